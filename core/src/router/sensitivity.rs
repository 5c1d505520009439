//! Data sensitivity classes and how a text earns one.
//!
//! The class bounds where a subtask may go (see [`Sensitivity::allows`]). The rules here read the
//! text (words, and the number and contact patterns of [`super::pii`]) and always run, so a
//! privacy decision never waits on a model that may be absent, slow or wrong; with the model, its
//! reading ([`super::SensitivityClassifier`]) can only raise the class ([`super::stricter`]). A user may
//! raise a subtask's class too; the detected class is a floor.

use serde::{Deserialize, Serialize};

use super::pii::{self, PiiKind};

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
/// trailing fragment ("diagnos") matches its inflections. Widened for issue 12 with general
/// words of each theme (mental health, private writing, requests not to share, credentials,
/// money and family matters), never with phrases of the held-out set.
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
            "test result",
            "health record",
            "hiv",
            "psychiatr",
            "therapy notes",
            "symptom",
            "biopsy",
            "chemotherapy",
            "my doctor",
            "my gp",
            "my medication",
            "blood sugar",
            "insulin",
            "rash",
            "lump",
            "swelling",
            "wound",
        ],
    ),
    (
        Sensitivity::UltraSensitive,
        "mental health matters",
        &[
            "therapist",
            "therapy session",
            "psychotherap",
            "psychologist",
            "counsellor",
            "counselor",
            "counselling",
            "counseling",
            "mental health",
            "panic attack",
            "antidepressant",
            "my depression",
            "my anxiety",
            "suicid",
            "self-harm",
        ],
    ),
    (
        Sensitivity::UltraSensitive,
        "private writing",
        &["diary", "diaries", "my journal", "private journal", "journal entr"],
    ),
    (
        Sensitivity::UltraSensitive,
        "a request not to share it",
        &[
            "do not share",
            "don't share",
            "not to be shared",
            "must not be shared",
            "not be shared",
            "do not forward",
            "eyes only",
            "strictly private",
            "strictly confidential",
            "private and confidential",
            "keep this private",
            "keep this secret",
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
            "access token",
            "credential",
            "login details",
            "ssh key",
            "id_rsa",
            "pin code",
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
            "payslip",
            "pay slip",
            "paycheck",
            "home address",
            "date of birth",
            "tax return",
            "divorce",
            "custody",
            "lawsuit",
            "my lawyer",
            "my solicitor",
            "my attorney",
            "criminal record",
            "performance review",
            "immigration",
            "adoption papers",
            "my bank",
            "bank statement",
            "credit report",
            "credit score",
            "overdraft",
            "bankrupt",
            "my debts",
            "my loan",
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
            "unannounced",
            "not yet public",
            "not-yet-public",
            "trade secret",
            "nda",
            "board meeting",
            "our codebase",
            "our company",
            "staff-only",
            "all staff",
            "customer list",
            "customer records",
            "quarterly numbers",
        ],
    ),
];

/// The most private class any rule finds in `text`, with its reason.
pub fn detect(text: &str) -> Finding {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    let (number, contact) = patterns(text);
    if let Some(what) = number {
        found.push((Sensitivity::UltraSensitive, what.to_string()));
    }
    for (class, what, words) in WORD_RULES {
        if let Some(word) = words.iter().find(|word| word_at_start(&lower, word)) {
            found.push((*class, format!("{what} (\u{201c}{word}\u{201d})")));
        }
    }
    if let Some(what) = contact {
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

/// The first number that must never leave (a card, a government ID, an IBAN), then contact
/// details (an e-mail address, a phone number, a street address with its number).
fn patterns(text: &str) -> (Option<&'static str>, Option<&'static str>) {
    let spans = pii::find(text);
    let first = |kinds: &[PiiKind]| spans.iter().find(|s| kinds.contains(&s.kind)).map(|s| s.kind);
    let number =
        first(&[PiiKind::Card, PiiKind::GovernmentId]).or_else(|| first(&[PiiKind::Iban])).map(|kind| match kind {
            PiiKind::Card => "a payment card number",
            PiiKind::GovernmentId => "a government ID number",
            _ => "a bank account number (IBAN)",
        });
    let contact = first(&[PiiKind::Email])
        .or_else(|| first(&[PiiKind::Phone]))
        .or_else(|| first(&[PiiKind::StreetAddress]))
        .map(|kind| match kind {
            PiiKind::Email => "personal contact details (an e-mail address)",
            PiiKind::Phone => "personal contact details (a phone number)",
            _ => "personal contact details (a street address)",
        });
    (number, contact)
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
