//! Splitting a request into subtasks by the structure of its text.
//!
//! Rules first, because they are predictable and explainable: a numbered or bulleted list is one
//! subtask per item; otherwise lines; otherwise sentences joined by sequencing words ("then",
//! "after that", "and finally"). A request that names a task and then brings its material after a
//! colon ("Summarize this report:" and a pasted document) stays one part. The model classifies
//! each part afterwards.

use super::kinds::names_a_task;

/// The longest request the planner reads, in bytes: a pasted document of about 64,000 tokens,
/// which every cloud model in the default registry can take in one call.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;
/// The most subtasks one request becomes; the rest stays with the last part.
pub const MAX_PARTS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the request is empty: describe what you need done")]
    Empty,
    #[error("the request is {0} bytes; at most {MAX_REQUEST_BYTES} bytes (256 KiB) can be planned")]
    TooLong(usize),
}

/// The parts of `request`, in order, each trimmed and non-empty.
pub fn split(request: &str) -> Result<Vec<String>, PlanError> {
    if request.len() > MAX_REQUEST_BYTES {
        return Err(PlanError::TooLong(request.len()));
    }
    let text = request.trim();
    if text.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(PlanError::Empty);
    }
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let items: Vec<&str> = lines.iter().filter_map(|l| list_item(l)).collect();
    let parts: Vec<String> = if pasted_document(&lines, items.len()) {
        vec![text.to_string()]
    } else if items.len() >= 2 {
        // A heading line before the list ("Please do the following:") is context, not a task.
        items.iter().map(|s| s.to_string()).collect()
    } else if lines.len() >= 2 {
        lines.iter().map(|s| s.to_string()).collect()
    } else {
        sequenced(text)
    };
    let mut parts: Vec<String> = parts.into_iter().filter(|p| p.chars().any(char::is_alphanumeric)).collect();
    if parts.len() > MAX_PARTS {
        let rest = parts.split_off(MAX_PARTS - 1).join(" ");
        parts.push(rest);
    }
    if parts.is_empty() {
        return Err(PlanError::Empty);
    }
    Ok(parts)
}

/// A first line that names a task and ends in a colon ("Translate these into French:"), or that
/// brings its own material after the colon with no list following: the rest is the task's
/// material, not more tasks.
fn pasted_document(lines: &[&str], list_items: usize) -> bool {
    let Some((first, rest)) = lines.split_first() else { return false };
    let Some((task, material)) = first.split_once(':') else { return false };
    !rest.is_empty() && names_a_task(task) && (material.trim().is_empty() || list_items < 2)
}

/// The text of a list item ("1. ", "2) ", "- ", "* ", "• "), or `None` for a plain line.
fn list_item(line: &str) -> Option<&str> {
    for bullet in ["- ", "* ", "• ", "– "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(rest.trim());
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        for marker in [". ", ") ", ": "] {
            if let Some(item) = rest.strip_prefix(marker) {
                return Some(item.trim());
            }
        }
    }
    None
}

/// Sequencing words that start a new subtask inside one sentence or paragraph.
const SEQUENCERS: [&str; 6] = [", and then ", ", then ", " and then ", "; then ", " after that ", " and finally "];

fn sequenced(text: &str) -> Vec<String> {
    let mut parts = vec![text.to_string()];
    for sequencer in SEQUENCERS {
        parts = parts
            .into_iter()
            .flat_map(|part| {
                let mut pieces = Vec::new();
                let mut start = 0;
                for at in ascii_matches(&part, sequencer) {
                    pieces.push(part[start..at].to_string());
                    start = at + sequencer.len();
                }
                pieces.push(part[start..].to_string());
                pieces
            })
            .collect();
    }
    parts.into_iter().map(|p| p.trim().trim_end_matches(['.', ',', ';']).trim().to_string()).collect()
}

/// Byte offsets where the ASCII `needle` occurs in `text`, ignoring ASCII case, without
/// overlaps. ASCII bytes never occur inside a multi-byte UTF-8 character, so every offset is a
/// character boundary.
fn ascii_matches(text: &str, needle: &str) -> Vec<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    let mut found = Vec::new();
    let mut at = 0;
    while at + needle.len() <= hay.len() {
        if hay[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            found.push(at);
            at += needle.len();
        } else {
            at += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_lines_and_sequencers_become_parts() {
        let list =
            "Please help with this:\n1. Summarize the report\n2) Translate it into German\n- Email it to the team";
        assert_eq!(split(list).unwrap(), ["Summarize the report", "Translate it into German", "Email it to the team"]);
        assert_eq!(split("Fix the login bug\nWrite release notes").unwrap().len(), 2);
        assert_eq!(
            split("Summarize the article, then translate it into French and finally post it").unwrap(),
            ["Summarize the article", "translate it into French", "post it"]
        );
        assert_eq!(split("One thing only.").unwrap(), ["One thing only"]);
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        assert_eq!(split(""), Err(PlanError::Empty));
        assert_eq!(split(" \n\t "), Err(PlanError::Empty));
        assert_eq!(split("- \n- ..."), Err(PlanError::Empty));
        let long = "a".repeat(300 * 1024);
        assert_eq!(split(&long), Err(PlanError::TooLong(307_200)));
        assert!(PlanError::TooLong(307_200).to_string().contains("at most 262144 bytes (256 KiB)"));
    }

    #[test]
    fn a_pasted_document_after_a_colon_stays_one_part() {
        let memo = "Summarize this memo:\nDear all,\nThe office moves on Monday.\nBring your badge.";
        assert_eq!(split(memo).unwrap(), [memo]);
        let email = "Translate this email into French: Dear Ana,\nthanks for the visit.\nBest, Bo";
        assert_eq!(split(email).unwrap().len(), 1);
        let words = "Translate these into Spanish:\n- good morning\n- thank you";
        assert_eq!(split(words).unwrap().len(), 1);
        // A heading that names no task introduces tasks, one per line or item.
        assert!(split("Please do the following:\nFix the login bug\nWrite release notes").unwrap().len() > 1);
        // Numbered tasks that each bring material stay separate.
        let reports = "1. Summarize report 1: sales rose.\n2. Summarize report 2: costs fell.";
        assert_eq!(split(reports).unwrap().len(), 2);
    }

    #[test]
    fn parts_are_bounded() {
        let many: String = (1..=30).map(|i| format!("{i}. task number {i}\n")).collect();
        let parts = split(&many).unwrap();
        assert_eq!(parts.len(), MAX_PARTS);
        assert!(parts[MAX_PARTS - 1].contains("task number 30"));
        // Text whose lower case has another byte length still splits at the right place.
        assert_eq!(split("Fly to İstanbul, THEN rent a car").unwrap(), ["Fly to İstanbul", "rent a car"]);
    }
}
