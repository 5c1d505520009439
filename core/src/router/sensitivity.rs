//! Data sensitivity classes and how a text earns one.
//!
//! The class bounds where a subtask may go (see [`Sensitivity::allows`]); detection is by rules on
//! the text (words and number patterns), never by the model, so a privacy decision does not
//! depend on a model that may be absent, slow or wrong. A user may raise a subtask's class; the
//! detected class is a floor.

use serde::{Deserialize, Serialize};

/// Ordered from least to most private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Anyone may see it: cloud models, peers, human workers.
    General,
    /// Company or team material: this device, peers and the user's own cloud accounts; never
    /// the public board of human workers.
    Internal,
    /// Personal data: this device, or a peer that proved its identity and whose owner accepts
    /// sensitive work. Never a cloud provider or the public board.
    Sensitive,
    /// Never leaves this device.
    UltraSensitive,
}

/// Where a subtask could be sent, as far as privacy is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    ThisDevice,
    /// A swarm peer with a signed capability envelope.
    Peer,
    CloudModel,
    /// The public board of human workers.
    HumanBoard,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 4] =
        [Sensitivity::General, Sensitivity::Internal, Sensitivity::Sensitive, Sensitivity::UltraSensitive];

    pub fn name(self) -> &'static str {
        match self {
            Sensitivity::General => "general",
            Sensitivity::Internal => "internal",
            Sensitivity::Sensitive => "sensitive",
            Sensitivity::UltraSensitive => "ultra_sensitive",
        }
    }

    pub fn from_name(name: &str) -> Option<Sensitivity> {
        Sensitivity::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Sensitivity::General => "general",
            Sensitivity::Internal => "internal",
            Sensitivity::Sensitive => "sensitive",
            Sensitivity::UltraSensitive => "ultra-sensitive",
        }
    }

    /// The privacy rule itself. A peer additionally needs an owner policy that accepts the class
    /// (checked by the router against its envelope).
    pub fn allows(self, reach: Reach) -> bool {
        match self {
            Sensitivity::General => true,
            Sensitivity::Internal => reach != Reach::HumanBoard,
            Sensitivity::Sensitive => matches!(reach, Reach::ThisDevice | Reach::Peer),
            Sensitivity::UltraSensitive => reach == Reach::ThisDevice,
        }
    }
}

/// A class and the finding that set it ("contains medical records").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub class: Sensitivity,
    pub reason: String,
}

/// Word rules: (class, what the text contains, words). A word matches at a word start; a
/// trailing fragment ("diagnos") matches its inflections.
const WORD_RULES: &[(Sensitivity, &str, &[&str])] = &[
    (
        Sensitivity::UltraSensitive,
        "medical records",
        &[
            "medical",
            "diagnos",
            "patient",
            "prescription",
            "blood test",
            "lab result",
            "health record",
            "hiv",
            "psychiatr",
            "therapy notes",
            "symptom",
            "biopsy",
        ],
    ),
    (
        Sensitivity::UltraSensitive,
        "credentials",
        &[
            "password",
            "passphrase",
            "private key",
            "seed phrase",
            "recovery phrase",
            "api key",
            "secret key",
            "-----begin",
        ],
    ),
    (Sensitivity::UltraSensitive, "a government ID", &["social security", "passport number", "national id"]),
    (Sensitivity::UltraSensitive, "a mark as ultra-sensitive", &["[ultra-sensitive]", "[private]"]),
    (
        Sensitivity::Sensitive,
        "personal data",
        &[
            "salary",
            "payroll",
            "home address",
            "date of birth",
            "tax return",
            "divorce",
            "lawsuit",
            "criminal record",
            "performance review",
            "my bank",
            "my debts",
            "my mortgage",
            "sexual",
        ],
    ),
    (Sensitivity::Sensitive, "a mark as sensitive", &["[sensitive]"]),
    (
        Sensitivity::Internal,
        "company-internal material",
        &[
            "internal",
            "confidential",
            "proprietary",
            "roadmap",
            "unreleased",
            "trade secret",
            "nda",
            "board meeting",
            "our codebase",
            "customer list",
            "quarterly numbers",
        ],
    ),
];

/// The most private class any rule finds in `text`, with its reason.
pub fn detect(text: &str) -> Finding {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    if let Some(what) = number_pattern(text) {
        found.push((Sensitivity::UltraSensitive, what.to_string()));
    }
    for (class, what, words) in WORD_RULES {
        if let Some(word) = words.iter().find(|word| word_at_start(&lower, word)) {
            found.push((*class, format!("{what} (\u{201c}{word}\u{201d})")));
        }
    }
    if let Some(what) = contact_details(text) {
        found.push((Sensitivity::Sensitive, what.to_string()));
    }
    match found.into_iter().max_by_key(|(class, _)| *class) {
        Some((class, what)) => Finding { class, reason: format!("contains {what}") },
        None => Finding { class: Sensitivity::General, reason: "no private data found".into() },
    }
}

fn word_at_start(text: &str, word: &str) -> bool {
    text.match_indices(word)
        .any(|(at, _)| at == 0 || !text[..at].chars().next_back().is_some_and(char::is_alphanumeric))
}

/// Digit runs (spaces and dashes inside allowed) that are payment cards (Luhn-valid, 13 to 19
/// digits), US social security numbers (3-2-4) or IBANs.
fn number_pattern(text: &str) -> Option<&'static str> {
    for run in digit_runs(text) {
        let digits: Vec<u32> = run.chars().filter_map(|c| c.to_digit(10)).collect();
        if (13..=19).contains(&digits.len()) && luhn(&digits) {
            return Some("a payment card number");
        }
        let groups: Vec<usize> = run.split('-').map(str::len).collect();
        if groups == [3, 2, 4] && run.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Some("a government ID number");
        }
    }
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(is_iban).then_some("a bank account number (IBAN)")
}

/// Maximal stretches of digits joined by single spaces or dashes.
pub(super) fn digit_runs(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let joiner = (b == b' ' || b == b'-')
            && i > 0
            && bytes[i - 1].is_ascii_digit()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_digit() || (joiner && start.is_some()) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            runs.push(&text[s..i]);
        }
    }
    if let Some(s) = start {
        runs.push(&text[s..]);
    }
    runs
}

pub(super) fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Two capital letters, two check digits, then 11 to 30 letters or digits, passing the mod-97
/// check.
pub(super) fn is_iban(word: &str) -> bool {
    let b = word.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let rearranged = b[4..].iter().chain(&b[..4]);
    let remainder = rearranged.fold(0u64, |acc, &c| {
        let value = if c.is_ascii_digit() { u64::from(c - b'0') } else { u64::from(c - b'A') + 10 };
        if value >= 10 {
            (acc * 100 + value) % 97
        } else {
            (acc * 10 + value) % 97
        }
    });
    remainder == 1
}

/// An e-mail address or a phone number (a `+` or 9 to 15 digits with common separators).
fn contact_details(text: &str) -> Option<&'static str> {
    let email = text.split_whitespace().any(|word| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        word.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        })
    });
    if email {
        return Some("personal contact details (an e-mail address)");
    }
    let phone = text.split(|c: char| c.is_alphabetic() || c == ',' || c == ';').any(|chunk| {
        let chunk = chunk.trim();
        let digits = chunk.chars().filter(char::is_ascii_digit).count();
        let shaped = chunk.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        shaped && (chunk.starts_with('+') && digits >= 8 || (9..=15).contains(&digits) && chunk.contains([' ', '-']))
    });
    phone.then_some("personal contact details (a phone number)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_name_what_they_found() {
        let medical = detect("Summarize these medical records for my doctor");
        assert_eq!(medical.class, Sensitivity::UltraSensitive);
        assert_eq!(medical.reason, "contains medical records (\u{201c}medical\u{201d})");
        assert_eq!(detect("Translate this poem into French").class, Sensitivity::General);
        assert_eq!(detect("Review our internal roadmap").class, Sensitivity::Internal);
        assert_eq!(detect("Draft a letter about my salary").class, Sensitivity::Sensitive);
    }

    #[test]
    fn number_patterns_are_checked_not_guessed() {
        assert_eq!(detect("card 4111 1111 1111 1111 expires soon").class, Sensitivity::UltraSensitive);
        // Same length, fails Luhn: an order number, not a card.
        assert_eq!(detect("order 4111 1111 1111 1112 shipped").class, Sensitivity::General);
        assert_eq!(detect("my SSN is 078-05-1120").class, Sensitivity::UltraSensitive);
        assert_eq!(detect("pay to GB82WEST12345698765432 today").reason, "contains a bank account number (IBAN)");
        assert_eq!(detect("pay to GB82WEST12345698765433 today").class, Sensitivity::General);
        assert_eq!(detect("call me on +44 20 7946 0958").class, Sensitivity::Sensitive);
        assert_eq!(detect("write to ana@example.org").class, Sensitivity::Sensitive);
        assert_eq!(detect("the year 2024 had 366 days").class, Sensitivity::General);
    }

    #[test]
    fn the_most_private_finding_wins_and_words_need_a_start() {
        let both = detect("Our internal wiki lists the admin password");
        assert_eq!(both.class, Sensitivity::UltraSensitive);
        assert!(both.reason.contains("credentials"));
        // "nda" inside "calendar" is not an NDA.
        assert_eq!(detect("Plan my calendar for next week").class, Sensitivity::General);
    }

    #[test]
    fn reach_follows_the_class() {
        use Reach::*;
        assert!(Sensitivity::General.allows(HumanBoard));
        assert!(!Sensitivity::Internal.allows(HumanBoard) && Sensitivity::Internal.allows(CloudModel));
        assert!(!Sensitivity::Sensitive.allows(CloudModel) && Sensitivity::Sensitive.allows(Peer));
        assert!([Peer, CloudModel, HumanBoard].iter().all(|r| !Sensitivity::UltraSensitive.allows(*r)));
        assert!(Sensitivity::UltraSensitive.allows(ThisDevice));
    }
}
