//! Personal data in a text, found by pattern, and the placeholders that stand in for it before a
//! step with `strip_pii` leaves the device.
//!
//! One set of detectors serves both the privacy rules ([`super::detect`] reads a card number as
//! ultra-sensitive) and stripping, so what the rules see is what gets replaced. Numbers are
//! checked, not guessed: a card number must pass Luhn, an IBAN the mod-97 check. [`strip`] gives
//! each distinct value one placeholder (`[EMAIL_1]`), never one the text already holds, so
//! [`restore`] puts back exactly what was taken out and nothing else.

use std::collections::BTreeMap;

/// The most names a user may list, and the longest name, in characters.
pub const MAX_NAMES: usize = 64;
pub const MAX_NAME_CHARS: usize = 64;

/// What a stretch of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Phone,
    /// A payment card number (Luhn-valid, 13 to 19 digits).
    Card,
    Iban,
    /// A US social security number (3-2-4 digits).
    GovernmentId,
    StreetAddress,
    /// A name the user listed.
    Name,
}

impl PiiKind {
    /// The word inside a placeholder: `[EMAIL_1]`.
    fn tag(self) -> &'static str {
        match self {
            PiiKind::Email => "EMAIL",
            PiiKind::Phone => "PHONE",
            PiiKind::Card => "CARD",
            PiiKind::Iban => "IBAN",
            PiiKind::GovernmentId => "ID",
            PiiKind::StreetAddress => "ADDRESS",
            PiiKind::Name => "NAME",
        }
    }
}

/// Where a detector found something: byte offsets into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: PiiKind,
}

/// One value taken out of a text and the token that stands in for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placeholder {
    pub placeholder: String,
    pub value: String,
}

/// A text ready to leave, and what to put back into the answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stripped {
    /// Exactly the text that will be sent.
    pub sent: String,
    pub placeholders: Vec<Placeholder>,
}

/// Replaces e-mail addresses, phone numbers, card numbers, IBANs, social security numbers, street
/// addresses and the listed names (whole words, any case; the first [`MAX_NAMES`], each of at
/// most [`MAX_NAME_CHARS`]: the settings refuse longer lists) with placeholders.
pub fn strip(text: &str, names: &[&str]) -> Stripped {
    let mut spans = find(text);
    let names = names.iter().take(MAX_NAMES).map(|n| n.trim());
    for name in names.filter(|n| n.chars().any(char::is_alphanumeric) && n.chars().count() <= MAX_NAME_CHARS) {
        spans.extend(name_spans(text, name));
    }
    let spans = without_overlaps(spans);
    let mut tokens: BTreeMap<(PiiKind, &str), String> = BTreeMap::new();
    let mut counts: BTreeMap<PiiKind, usize> = BTreeMap::new();
    let mut placeholders = Vec::new();
    let mut sent = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        let value = &text[span.start..span.end];
        let token = tokens.entry((span.kind, value)).or_insert_with(|| {
            let count = counts.entry(span.kind).or_insert(0);
            // A token the text already holds would be "restored" into a value it never was.
            let token = loop {
                *count += 1;
                let token = format!("[{}_{}]", span.kind.tag(), count);
                if !text.contains(&token) {
                    break token;
                }
            };
            placeholders.push(Placeholder { placeholder: token.clone(), value: value.to_string() });
            token
        });
        sent.push_str(&text[at..span.start]);
        sent.push_str(token);
        at = span.end;
    }
    sent.push_str(&text[at..]);
    Stripped { sent, placeholders }
}

/// Puts every placeholder's value back into `answer`, in one pass, so a value that looks like a
/// token is never replaced again.
pub fn restore(answer: &str, placeholders: &[Placeholder]) -> String {
    let mut restored = String::with_capacity(answer.len());
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        restored.push_str(&rest[..open]);
        rest = &rest[open..];
        match placeholders.iter().find(|p| rest.starts_with(p.placeholder.as_str())) {
            Some(found) => {
                restored.push_str(&found.value);
                rest = &rest[found.placeholder.len()..];
            }
            None => {
                restored.push('[');
                rest = &rest[1..];
            }
        }
    }
    restored.push_str(rest);
    restored
}

/// Every pattern-detected value in `text` (not names), without overlaps, in text order.
pub(super) fn find(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    for (start, end) in digit_runs(text) {
        let run = &text[start..end];
        let digits: Vec<u32> = run.chars().filter_map(|c| c.to_digit(10)).collect();
        if (13..=19).contains(&digits.len()) && luhn(&digits) {
            spans.push(Span { start, end, kind: PiiKind::Card });
        }
        let groups: Vec<usize> = run.split('-').map(str::len).collect();
        if groups == [3, 2, 4] && run.chars().all(|c| c.is_ascii_digit() || c == '-') {
            spans.push(Span { start, end, kind: PiiKind::GovernmentId });
        }
    }
    spans.extend(ibans(text));
    spans.extend(emails(text));
    spans.extend(phones(text));
    spans.extend(street_addresses(text));
    without_overlaps(spans)
}

/// Keeps, of spans that overlap, the one that starts first (the longest among equals).
fn without_overlaps(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        if kept.last().is_none_or(|last| span.start >= last.end) {
            kept.push(span);
        }
    }
    kept
}

/// Words split at whitespace, with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, &text[s..]));
    }
    words
}

/// `word` without leading and trailing characters that match `strip`, and its new offset.
fn trimmed(at: usize, word: &str, strip: impl Fn(char) -> bool + Copy) -> (usize, &str) {
    let inner = word.trim_start_matches(strip);
    let start = at + word.len() - inner.len();
    (start, inner.trim_end_matches(strip))
}

/// Maximal stretches of digits joined by single spaces or dashes, as byte ranges.
fn digit_runs(text: &str) -> Vec<(usize, usize)> {
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
            runs.push((s, i));
        }
    }
    if let Some(s) = start {
        runs.push((s, bytes.len()));
    }
    runs
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match (i % 2 == 1, d * 2) {
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
            (false, _) => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// IBANs written whole ("GB82WEST12345698765432") or in groups of four ("GB82 WEST 1234 ...").
fn ibans(text: &str) -> Vec<Span> {
    let words: Vec<(usize, &str)> =
        words(text).into_iter().map(|(at, w)| trimmed(at, w, |c: char| !c.is_ascii_alphanumeric())).collect();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (start, word) = words[i];
        if is_iban(word) {
            spans.push(Span { start, end: start + word.len(), kind: PiiKind::Iban });
        } else if word.len() == 4 && is_iban_start(word.as_bytes()) {
            let mut joined = word.to_string();
            let mut j = i + 1;
            while let Some(&(at, group)) = words.get(j).filter(|(_, g)| (1..=4).contains(&g.len()) && joined.len() < 34)
            {
                if !group.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
                    break;
                }
                joined.push_str(group);
                j += 1;
                if is_iban(&joined) {
                    spans.push(Span { start, end: at + group.len(), kind: PiiKind::Iban });
                    i = j - 1;
                    break;
                }
            }
        }
        i += 1;
    }
    spans
}

fn is_iban_start(b: &[u8]) -> bool {
    b.len() >= 4 && b[..2].iter().all(u8::is_ascii_uppercase) && b[2..4].iter().all(u8::is_ascii_digit)
}

/// Two capital letters, two check digits, then 11 to 30 letters or digits, passing the mod-97
/// check.
fn is_iban(word: &str) -> bool {
    let b = word.as_bytes();
    if !(15..=34).contains(&b.len())
        || !is_iban_start(b)
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

fn emails(text: &str) -> Vec<Span> {
    words(text)
        .into_iter()
        .map(|(at, word)| trimmed(at, word, |c: char| !c.is_alphanumeric()))
        .filter(|(_, word)| {
            word.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
            })
        })
        .map(|(start, word)| Span { start, end: start + word.len(), kind: PiiKind::Email })
        .collect()
}

/// A `+` and 8 digits or more, or 9 to 15 digits with spaces or dashes, written with only digits
/// and `+-().` between words.
fn phones(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut chunk_start = 0;
    let breaks = text.char_indices().filter(|(_, c)| c.is_alphabetic() || *c == ',' || *c == ';');
    for (at, c) in breaks.chain(std::iter::once((text.len(), ' '))) {
        let (start, chunk) = trimmed(chunk_start, &text[chunk_start..at], char::is_whitespace);
        chunk_start = at + c.len_utf8();
        let digits = chunk.chars().filter(char::is_ascii_digit).count();
        let shaped = chunk.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if shaped && (chunk.starts_with('+') && digits >= 8 || (9..=15).contains(&digits) && chunk.contains([' ', '-']))
        {
            let number = chunk.trim_end_matches(|c: char| !c.is_ascii_digit() && c != ')');
            spans.push(Span { start, end: start + number.len(), kind: PiiKind::Phone });
        }
    }
    spans
}

/// Words that end an English street name ("12 Elm Street", "221B Baker St.").
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "terrace",
    "close",
    "crescent",
    "square",
    "sq",
    "highway",
    "parkway",
    "row",
    "hill",
];
/// Words that start a French or Spanish street name after its number ("12 rue de Rivoli").
const STREET_STARTS: &[&str] = &["rue", "avenue", "boulevard", "calle", "via", "avenida", "chemin", "place"];
/// Endings of a German street name followed by its number ("Hauptstraße 5", "Berliner Str. 12").
const STREET_ENDINGS: &[&str] = &["straße", "strasse", "str.", "weg", "gasse", "allee", "platz"];
/// Little words inside a street name ("rue de la Paix").
const PARTICLES: &[&str] = &["de", "la", "le", "du", "des", "del", "di", "of", "the", "l'"];

/// A house number: 1 to 5 digits and at most one letter ("221B").
fn is_house_number(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    let rest = word.len() - digits;
    (1..=5).contains(&digits) && rest <= 1 && word.chars().skip(digits).all(|c| c.is_ascii_alphabetic())
}

fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn street_addresses(text: &str) -> Vec<Span> {
    let words: Vec<(usize, &str)> = words(text)
        .into_iter()
        .map(|(at, w)| trimmed(at, w, |c: char| c == ',' || c == ';' || c == '(' || c == ')' || c == '"'))
        .collect();
    let bare = |word: &str| word.trim_end_matches(['.', ':', '!', '?']).to_lowercase();
    let span = |from: usize, to: usize| {
        let (start, _) = words[from];
        let (at, last) = words[to];
        // "St." keeps its dot; a sentence's full stop after "Street" does not belong to it.
        let last = if bare(last).len() <= 3 {
            last.trim_end_matches([':', '!', '?'])
        } else {
            last.trim_end_matches(['.', ':', '!', '?'])
        };
        Span { start, end: at + last.len(), kind: PiiKind::StreetAddress }
    };
    let mut spans = Vec::new();
    for i in 0..words.len() {
        let word = words[i].1;
        if is_house_number(word) {
            let next = words.get(i + 1).map(|(_, w)| bare(w)).unwrap_or_default();
            if STREET_STARTS.contains(&next.as_str()) {
                let mut end = i + 1;
                while end < i + 5 {
                    let (at, w) = words[end];
                    if w.ends_with('.') || text[at + w.len()..].starts_with([',', ';']) {
                        break;
                    }
                    match words.get(end + 1) {
                        Some((_, next)) if capitalised(next) || PARTICLES.contains(&bare(next).as_str()) => end += 1,
                        _ => break,
                    }
                }
                spans.push(span(i, end));
                continue;
            }
            // One to three capitalised words, then a street word.
            for len in 1..=3 {
                let Some(names) = words.get(i + 1..i + 1 + len) else { break };
                if !names.iter().all(|(_, w)| capitalised(w)) {
                    break;
                }
                if STREET_WORDS.contains(&bare(names[len - 1].1).as_str()) && len >= 2 {
                    spans.push(span(i, i + len));
                    break;
                }
            }
        } else if capitalised(word)
            && words.get(i + 1).is_some_and(|(_, n)| is_house_number(n.trim_end_matches(['.', ':', '!', '?'])))
        {
            let lower = word.to_lowercase();
            if STREET_ENDINGS.iter().any(|ending| lower.ends_with(ending)) {
                let from =
                    if matches!(lower.as_str(), "str." | "straße" | "strasse") && i > 0 && capitalised(words[i - 1].1)
                    {
                        i - 1
                    } else {
                        i
                    };
                spans.push(span(from, i + 1));
            }
        }
    }
    spans
}

/// Whole-word, case-insensitive occurrences of `name`.
fn name_spans(text: &str, name: &str) -> Vec<Span> {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut spans = Vec::new();
    for (start, _) in text.char_indices() {
        if is_word(text[..start].chars().next_back()) {
            continue;
        }
        let mut rest = text[start..].char_indices();
        let mut end = start;
        let matched = name.chars().all(|wanted| match rest.next() {
            Some((at, c)) if c.to_lowercase().eq(wanted.to_lowercase()) => {
                end = start + at + c.len_utf8();
                true
            }
            _ => false,
        });
        if matched && !is_word(text[end..].chars().next()) {
            spans.push(Span { start, end, kind: PiiKind::Name });
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(text: &str, names: &[&str]) -> String {
        strip(text, names).sent
    }

    #[test]
    fn every_kind_of_personal_data_gets_a_placeholder() {
        assert_eq!(sent("Mail ana@example.org or call +44 20 7946 0958.", &[]), "Mail [EMAIL_1] or call [PHONE_1].");
        assert_eq!(sent("card 4111 1111 1111 1111 expires", &[]), "card [CARD_1] expires");
        assert_eq!(
            sent("pay GB82WEST12345698765432 and GB82 WEST 1234 5698 7654 32", &[]),
            "pay [IBAN_1] and [IBAN_2]"
        );
        assert_eq!(sent("my SSN is 078-05-1120", &[]), "my SSN is [ID_1]");
        assert_eq!(sent("Ring 555-123-4567 today", &[]), "Ring [PHONE_1] today");
        assert_eq!(
            sent("Meet Ana and ANA's brother Bo", &["ana", "Bo"]),
            "Meet [NAME_1] and [NAME_2]'s brother [NAME_3]"
        );
    }

    #[test]
    fn street_addresses_in_several_languages() {
        assert_eq!(sent("Go to 12 Elm Street.", &[]), "Go to [ADDRESS_1].");
        assert_eq!(sent("He lived at 221B Baker St. in London", &[]), "He lived at [ADDRESS_1] in London");
        assert_eq!(sent("Send it to 14 Elm Road, Leeds", &[]), "Send it to [ADDRESS_1], Leeds");
        assert_eq!(sent("Rendez-vous au 12 rue de Rivoli, Paris", &[]), "Rendez-vous au [ADDRESS_1], Paris");
        assert_eq!(sent("Wir wohnen in der Hauptstraße 5 in Köln", &[]), "Wir wohnen in der [ADDRESS_1] in Köln");
        assert_eq!(sent("Büro: Berliner Str. 12", &[]), "Büro: [ADDRESS_1]");
        // Numbers next to ordinary words are not addresses.
        assert_eq!(sent("I walked 3 long streets and 2 Roads", &[]), "I walked 3 long streets and 2 Roads");
    }

    #[test]
    fn checks_keep_ordinary_numbers_and_words() {
        for text in [
            "order 4111 1111 1111 1112 shipped",
            "pay to GB82WEST12345698765433 today",
            "the year 2024 had 366 days",
            "Anastasia met Bob",
            "meet on 2024-01-15 at 10:30",
        ] {
            assert_eq!(sent(text, &["Ana"]), text);
        }
    }

    #[test]
    fn the_same_value_gets_the_same_placeholder_and_the_answer_gets_it_back() {
        let stripped = strip("Ana wrote from ana@example.org; reply to ana@example.org, Ana", &["Ana"]);
        assert_eq!(stripped.sent, "[NAME_1] wrote from [EMAIL_1]; reply to [EMAIL_1], [NAME_1]");
        assert_eq!(stripped.placeholders.len(), 2);
        let answer = "Dear [NAME_1], I wrote to [EMAIL_1]. [NAME_9] is unknown.";
        assert_eq!(
            restore(answer, &stripped.placeholders),
            "Dear Ana, I wrote to ana@example.org. [NAME_9] is unknown."
        );
    }

    #[test]
    fn a_token_already_in_the_text_is_never_reused() {
        let stripped = strip("[EMAIL_1] is a template; mine is bo@example.net", &[]);
        assert_eq!(stripped.sent, "[EMAIL_1] is a template; mine is [EMAIL_2]");
        assert_eq!(restore(&stripped.sent, &stripped.placeholders), "[EMAIL_1] is a template; mine is bo@example.net");
    }

    #[test]
    fn names_are_bounded() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(strip(&format!("hi {long}"), &[&long]).placeholders, []);
        let many: Vec<String> = (0..MAX_NAMES + 10).map(|i| format!("Name{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(strip(&many.join(" "), &refs).placeholders.len(), MAX_NAMES);
        // Empty and blank names hide nothing.
        assert_eq!(sent("a b", &["", "  "]), "a b");
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Text built from pieces that look like personal data, plain words and odd characters.
        fn text() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just("ana@example.org".to_string()),
                Just("+44 20 7946 0958".to_string()),
                Just("4111 1111 1111 1111".to_string()),
                Just("GB82 WEST 1234 5698 7654 32".to_string()),
                Just("12 Elm Street".to_string()),
                Just("Ana".to_string()),
                Just("[EMAIL_1]".to_string()),
                "[a-zA-Z0-9 .,;@+\\-\\[\\]_éß]{0,12}",
                any::<String>(),
            ];
            prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.join(" "))
        }

        proptest! {
            #[test]
            fn restore_undoes_strip(text in text()) {
                let stripped = strip(&text, &["Ana", "Bo Li"]);
                prop_assert_eq!(restore(&stripped.sent, &stripped.placeholders), text);
            }
        }
    }
}
