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
];

/// Words that point back alone ("translate this into French") but before a noun only when the
/// noun is an earlier result or was named by the part before: "translate this recipe" in a list
/// of errands brings its own recipe.
const DEMONSTRATIVES: &[&str] = &["this", "that", "these", "those"];

/// Nouns that name what an earlier part produced.
const RESULT_NOUNS: &[&str] =
    &["summary", "result", "results", "translation", "answer", "output", "draft", "text", "list", "code", "one", "version"];

/// Words after a demonstrative that show it stands alone, as a pronoun.
const AFTER_PRONOUN: &[&str] = &["into", "to", "in", "for", "as", "and", "then", "with", "from", "so", "please"];

/// For each part, the index of the earlier part it works on, if any.
pub fn dependencies(parts: &[String]) -> Vec<Option<usize>> {
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| (i > 0 && refers_back(part, &parts[i - 1])).then(|| i - 1))
        .collect()
}

/// Does `part` work on something it does not contain itself, made or named by `previous`?
pub fn refers_back(part: &str, previous: &str) -> bool {
    let text = format!("{} ", part.trim().to_lowercase());
    // A part that brings its own material after a colon ("translate this: Guten Tag") is self-contained.
    if text.split_once(':').is_some_and(|(_, rest)| rest.trim().len() > 12) {
        return false;
    }
    let at_word_start = |at: usize| at == 0 || !text[..at].chars().next_back().is_some_and(char::is_alphanumeric);
    if BACK_REFERENCES.iter().any(|phrase| text.match_indices(phrase).any(|(at, _)| at_word_start(at))) {
        return true;
    }
    let previous = previous.to_lowercase();
    // Each word with whether punctuation ends it ("that." stands alone).
    let words: Vec<(&str, bool)> = text
        .split_whitespace()
        .map(|token| {
            let word = token.trim_end_matches(|c: char| !c.is_alphanumeric());
            (word.trim_start_matches(|c: char| !c.is_alphanumeric()), word.len() < token.len())
        })
        .collect();
    words.iter().enumerate().any(|(i, (word, punctuated))| {
        DEMONSTRATIVES.contains(word)
            && (*punctuated
                || match words.get(i + 1) {
                    None => true,
                    Some((next, _)) => {
                        AFTER_PRONOUN.contains(next) || RESULT_NOUNS.contains(next) || names_word(&previous, next)
                    }
                })
    })
}

/// Whether `text` holds `word` as a whole word.
fn names_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|w| w == word)
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
        assert!(!refers_back("Plan a summit visit with one item", "Book the train"));
        assert!(refers_back("Then email it to Ana", "Write the invitation"));
        assert!(!refers_back("Translate this: Guten Morgen, wie geht es Ihnen heute?", "Summarize the memo"));
        // The first part has nothing before it.
        assert_eq!(dependencies(&parts(&["Fix it"])), [None]);
    }

    #[test]
    fn a_demonstrative_points_back_alone_or_before_an_earlier_result() {
        let before = "Summarize the lab results the hospital sent about my biopsy";
        assert!(refers_back("Translate this into German", before));
        assert!(refers_back("Now shorten that.", before));
        assert!(refers_back("Translate these results into German", before));
        assert!(refers_back("Email this summary to my sister", before));
        // A noun of its own: another thing, not the earlier result.
        assert!(!refers_back("Translate this recipe from Italian into English", before));
        assert!(!refers_back("Pick up these shirts from the dry cleaner", before));
        // Unless the part before named it.
        assert!(refers_back("Then translate this recipe into French", "Find a recipe for lentil soup"));
    }
}
