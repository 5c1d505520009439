//! Which part of a request works on the result of the part before it.
//!
//! "Summarize the article, then translate it into French": the translation needs the summary, so
//! it waits for it, receives it as input, and inherits its privacy class — the summary of a medical
//! record is as private as the record. A part refers back when it names an earlier result ("the
//! summary", "the result") or uses a pronoun for it ("translate it") without bringing text of its
//! own. Rules, because a wrong link costs little (a step waits for another) while a missed one
//! sends a step off without what it needs.

/// Phrases that point at an earlier part's result. Matched at word starts, lower case.
const BACK_REFERENCES: &[&str] = &[
    "it ",
    "it.",
    "it,",
    "them",
    "this ",
    "that ",
    "the summary",
    "the result",
    "the translation",
    "the answer",
    "the output",
    "the draft",
    "the text",
    "the list",
    "the code",
    "the above",
    "the previous",
    "the same",
    "those",
    "these",
];

/// For each part, the index of the earlier part it works on, if any.
pub fn dependencies(parts: &[String]) -> Vec<Option<usize>> {
    parts.iter().enumerate().map(|(i, part)| (i > 0 && refers_back(part)).then(|| i - 1)).collect()
}

/// Does `part` work on something it does not contain itself?
pub fn refers_back(part: &str) -> bool {
    let text = format!("{} ", part.trim().to_lowercase());
    // A part that brings its own material after a colon ("translate this: Guten Tag") is self-contained.
    if text.split_once(':').is_some_and(|(_, rest)| rest.trim().len() > 12) {
        return false;
    }
    BACK_REFERENCES.iter().any(|phrase| {
        text.match_indices(phrase)
            .any(|(at, _)| at == 0 || !text[..at].chars().next_back().is_some_and(char::is_alphanumeric))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn a_part_that_names_an_earlier_result_depends_on_it() {
        let chained = parts(&["Summarize the article", "translate it into French", "post the translation on our blog"]);
        assert_eq!(dependencies(&chained), [None, Some(0), Some(1)]);
        let separate = parts(&["Summarize the article", "Write a haiku about autumn", "Sort 5, 3, 9"]);
        assert_eq!(dependencies(&separate), [None, None, None]);
    }

    #[test]
    fn words_must_start_and_own_material_breaks_the_link() {
        // "bit", "item" and "summit" contain "it" but not at a word start.
        assert!(!refers_back("Plan a summit visit with one item"));
        assert!(refers_back("Then email it to Ana"));
        assert!(!refers_back("Translate this: Guten Morgen, wie geht es Ihnen heute?"));
        // The first part has nothing before it.
        assert_eq!(dependencies(&parts(&["Fix it"])), [None]);
    }
}
