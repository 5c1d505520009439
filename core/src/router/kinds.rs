//! Task kinds: what a subtask asks for, recognised from its text.
//!
//! Two readings. With the coordinator model, a text's sentence embedding is compared with the
//! embeddings of several example phrases per kind (nearest examples win), and a keyword that marks
//! a kind adds a small bonus to it: a small sentence model is swayed by topic words ("invoice",
//! "street") where a keyword names the task ("refactor", "translate"), and the two together read
//! better than either alone (docs/benchmarks.md). Without the model (not loaded yet, failed, or too
//! slow on this device) the keyword rule alone decides, so routing never waits for the model.
//! Either reading says why it chose, in words a user can check.

use serde::{Deserialize, Serialize};

/// What a subtask asks for. The wire name doubles as the karma domain a result is judged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Write, fix, review or explain program code.
    Code,
    /// Calculations, proofs, logic puzzles, step-by-step reasoning.
    Math,
    /// Prose: emails, stories, posts, slogans, letters.
    Writing,
    /// Shorten a given text to its gist.
    Summarize,
    /// Turn a text into another language.
    Translate,
    /// Pull fields out of text, tag or sort items, fill a table.
    Extract,
    /// Find, compare and cite information.
    Research,
    /// Look at images: describe, read text from, compare photos.
    Vision,
    /// Something a person must do in the physical world.
    Physical,
    /// Heavy number crunching: rendering, training, transcoding, large batch jobs.
    Compute,
    /// Social media and what is happening right now: posts, trends, news, live scores.
    Social,
    /// Make a new picture: illustrations, logos, posters.
    ImageGeneration,
    /// A quick one-step answer: arithmetic, a unit conversion, sorting a short list.
    Trivial,
}

impl TaskKind {
    pub const ALL: [TaskKind; 13] = [
        TaskKind::Code,
        TaskKind::Math,
        TaskKind::Writing,
        TaskKind::Summarize,
        TaskKind::Translate,
        TaskKind::Extract,
        TaskKind::Research,
        TaskKind::Vision,
        TaskKind::Physical,
        TaskKind::Compute,
        TaskKind::Social,
        TaskKind::ImageGeneration,
        TaskKind::Trivial,
    ];

    /// The lower-case name: the karma domain, the policy's and the envelope's spelling.
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Code => "code",
            TaskKind::Math => "math",
            TaskKind::Writing => "writing",
            TaskKind::Summarize => "summarize",
            TaskKind::Translate => "translate",
            TaskKind::Extract => "extract",
            TaskKind::Research => "research",
            TaskKind::Vision => "vision",
            TaskKind::Physical => "physical",
            TaskKind::Compute => "compute",
            TaskKind::Social => "social",
            TaskKind::ImageGeneration => "image_generation",
            TaskKind::Trivial => "trivial",
        }
    }

    pub fn from_name(name: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// How a user reads the kind ("a translation").
    pub fn label(self) -> &'static str {
        match self {
            TaskKind::Code => "coding",
            TaskKind::Math => "maths and reasoning",
            TaskKind::Writing => "writing",
            TaskKind::Summarize => "a summary",
            TaskKind::Translate => "a translation",
            TaskKind::Extract => "data extraction",
            TaskKind::Research => "research",
            TaskKind::Vision => "image understanding",
            TaskKind::Physical => "work in the physical world",
            TaskKind::Compute => "heavy computation",
            TaskKind::Social => "social media and current events",
            TaskKind::ImageGeneration => "image generation",
            TaskKind::Trivial => "a quick one-step task",
        }
    }

    /// Example requests the model compares a text with; several per kind, varied in wording so
    /// no single verb decides.
    pub fn examples(self) -> &'static [&'static str] {
        match self {
            TaskKind::Code => &[
                "write a Python function that parses a CSV file",
                "fix the bug in this JavaScript code",
                "refactor this Rust module and add unit tests",
                "implement a REST API endpoint in Go",
                "why does my SQL query return duplicate rows",
                "review my pull request and point out bugs",
                "write a bash script that backs up a folder",
                "convert this Java class to Kotlin",
            ],
            TaskKind::Math => &[
                "solve this equation for x",
                "prove that the square root of two is irrational",
                "calculate the compound interest over ten years",
                "what is the probability of rolling two sixes",
                "work out the integral of this function step by step",
                "how many ways can eight people sit around a table",
                "find the derivative of x cubed times sine x",
                "check my proof by induction",
            ],
            TaskKind::Writing => &[
                "write a short story about a lighthouse keeper",
                "draft a polite email declining the invitation",
                "write a catchy slogan for a coffee shop",
                "compose a poem about autumn",
                "write a blog post announcing our new feature",
                "write a cover letter for a nursing job",
                "come up with a name and tagline for my bakery",
                "write a thank-you note to my teacher",
            ],
            TaskKind::Summarize => &[
                "summarize this article in three bullet points",
                "give me the key points of this meeting transcript",
                "condense this report into one paragraph",
                "tl;dr of this long thread",
                "shorten these notes to a brief overview",
                "summarize this book chapter for a student",
                "what are the main takeaways of this paper",
                "recap this video transcript in a few sentences",
            ],
            TaskKind::Translate => &[
                "translate this paragraph into Spanish",
                "what does this German sentence mean in English",
                "translate the menu from Japanese to French",
                "render this letter in Portuguese",
                "convert these subtitles to Italian",
                "how do you say good morning in Korean",
                "translate these product descriptions into Dutch",
                "put this English contract into Chinese",
            ],
            TaskKind::Extract => &[
                "extract the names and dates from this document",
                "pull the invoice totals into a table",
                "classify these customer reviews as positive or negative",
                "tag each support ticket with a category",
                "turn this text into JSON with the fields name, email and city",
                "list every email address mentioned in this text",
                "sort these expenses into categories",
                "find all the phone numbers and addresses in this page",
            ],
            TaskKind::Research => &[
                "find recent studies on intermittent fasting",
                "compare the prices of three cloud providers",
                "look up who won the 1998 world cup",
                "research the history of the printing press with sources",
                "what are the latest developments in battery technology",
                "which laptop has the best battery life this year",
                "gather statistics on renewable energy adoption by country",
                "find out what experts say about remote work productivity",
            ],
            TaskKind::Vision => &[
                "describe what is in this photo",
                "read the text in this scanned image",
                "which of these pictures shows a damaged car",
                "identify the plant species in the attached picture",
                "count the people in this image",
                "what breed is the dog in this photo",
                "turn this whiteboard photo into text",
                "does this x-ray image look blurry",
            ],
            TaskKind::Physical => &[
                "take a photo of the menu board at the cafe on Main Street",
                "check whether the pharmacy on the corner is open",
                "pick up a parcel and deliver it across town",
                "count the parked cars on this street",
                "visit the store and check the price of milk",
                "stand in line at the post office for me",
                "go to the hardware store and buy a hammer",
                "walk my dog this afternoon",
            ],
            TaskKind::Compute => &[
                "render this 3D scene at 4K",
                "train a small neural network on this dataset",
                "transcode these videos to H.264",
                "run a Monte Carlo simulation with a million samples",
                "compute embeddings for ten thousand documents",
                "fine-tune a language model on my documents",
                "crunch this ten gigabyte log file",
                "run the physics simulation overnight on a GPU",
            ],
            TaskKind::Social => &[
                "what is everyone posting about the election tonight",
                "write a tweet about our weekend sale",
                "which hashtags are trending right now",
                "give me the breaking news from this morning",
                "draft a reddit comment replying to this post",
                "what are fans saying online about the new album",
                "who is winning the football match right now",
                "write a short LinkedIn update about my new job",
            ],
            TaskKind::ImageGeneration => &[
                "generate an image of a dragon flying over mountains",
                "create a watercolour illustration of a lighthouse",
                "design a logo for a running club",
                "draw a comic strip about office life",
                "make a picture of a cat in a space suit",
                "produce concept art for a fantasy castle",
                "create an avatar of a friendly robot",
                "paint a portrait of an old sailor in oils",
            ],
            TaskKind::Trivial => &[
                "what is 12 percent of 80",
                "convert 3 kilograms to pounds",
                "how many seconds are in a day",
                "sort these words alphabetically: pear, apple, fig",
                "what is 56 divided by 8",
                "how many centimetres in 4 feet",
                "put 9, 2, 14 and 5 in ascending order",
                "round 3.14159 to two decimal places",
            ],
        }
    }

    /// Words that, without the model, mark the kind. Checked as whole words or word prefixes
    /// in the lower-cased text; the first kind in [`RULE_ORDER`] with a hit wins.
    fn keywords(self) -> &'static [&'static str] {
        match self {
            TaskKind::Code => &[
                "code",
                "function",
                "bug",
                "compile",
                "refactor",
                "python",
                "javascript",
                "rust",
                "sql",
                "api",
                "script",
                "regex",
                "unit test",
                "program",
            ],
            TaskKind::Math => &[
                "solve",
                "equation",
                "calculate",
                "prove",
                "integral",
                "probability",
                "derivative",
                "percent",
                "math",
                "compute the sum",
            ],
            TaskKind::Writing => {
                &["write", "draft", "compose", "poem", "story", "slogan", "essay", "email", "letter", "blog"]
            }
            TaskKind::Summarize => &["summar", "key points", "tl;dr", "condense", "shorten", "overview", "gist"],
            TaskKind::Translate => &["translat", "into english", "into spanish", "into french", "into german"],
            TaskKind::Extract => &["extract", "classify", "tag each", "categori", "parse", "into a table", "json"],
            TaskKind::Research => &["research", "find", "look up", "compare", "sources", "latest", "studies"],
            TaskKind::Vision => &["photo", "image", "picture", "screenshot", "scan"],
            TaskKind::Physical => {
                &["go to", "visit", "deliver", "pick up", "on site", "in person", "walk", "drive to", "street"]
            }
            TaskKind::Compute => &["render", "train", "transcode", "simulation", "gpu", "batch job", "embeddings for"],
            TaskKind::Social => &[
                "tweet",
                "twitter",
                "instagram",
                "tiktok",
                "facebook",
                "linkedin post",
                "reddit",
                "hashtag",
                "trending",
                "viral",
                "social media",
                "right now",
                "breaking news",
                "headlines",
                "live score",
                "latest score",
                "at the moment",
            ],
            TaskKind::ImageGeneration => &[
                "generate an image",
                "generate a picture",
                "create an image",
                "make an image",
                "make a picture",
                "draw ",
                "illustration",
                "logo",
                "poster",
                "concept art",
                "avatar",
                "paint a",
            ],
            // Trivial requests are recognised by their shape (`trivial_cue`), not by a word alone.
            TaskKind::Trivial => &[],
        }
    }
}

/// Rule order: specific kinds before generic ones (a "photo of the shop on Main Street" is
/// physical work, not vision; "write a function" is code, not writing).
const RULE_ORDER: [TaskKind; 12] = [
    TaskKind::Physical,
    TaskKind::ImageGeneration,
    TaskKind::Social,
    TaskKind::Translate,
    TaskKind::Summarize,
    TaskKind::Compute,
    TaskKind::Code,
    TaskKind::Vision,
    TaskKind::Extract,
    TaskKind::Math,
    TaskKind::Research,
    TaskKind::Writing,
];

/// A kind chosen for a text, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindGuess {
    pub kind: TaskKind,
    /// Cosine similarity with the nearest example (model), or `None` for a rule decision.
    pub similarity: Option<f32>,
    pub reason: String,
}

/// A quick task's shape, and the cue that shows it: a short text, a number, and an arithmetic word
/// or a unit; or a request to order a short list. Never a proof, an equation to solve or an
/// explanation: those are maths.
fn trivial_cue(lower: &str) -> Option<&'static str> {
    const TOO_DEEP: &[&str] = &[
        "prove",
        "proof",
        "solve",
        "equation",
        "step",
        "explain",
        "why",
        "derive",
        "integral",
        "derivative",
        "probability",
        "odds",
    ];
    const ARITHMETIC: &[&str] = &[
        "%",
        "percent of",
        "times",
        "plus",
        "minus",
        "divided by",
        "multiplied by",
        "squared",
        "square root",
        "as a decimal",
        "as a fraction",
        "as a percentage",
        "round",
        "+",
        "*",
        "×",
        "÷",
        "/",
    ];
    const UNITS: &[&str] = &[
        "celsius",
        "fahrenheit",
        "kelvin",
        "kilomet",
        "km",
        "mile",
        "metre",
        "meter",
        "centimet",
        "cm",
        "mm",
        "inch",
        "feet",
        "foot",
        "yard",
        "kilogram",
        "kg",
        "gram",
        "pound",
        "lb",
        "ounce",
        "oz",
        "stone",
        "litre",
        "liter",
        "ml",
        "gallon",
        "pint",
        "cup",
        "tablespoon",
        "teaspoon",
        "second",
        "minute",
        "hour",
        "day",
        "week",
        "mph",
        "km/h",
    ];
    const ORDERING: &[&str] = &[
        "alphabetical",
        "sort these",
        "sort this list",
        "ascending",
        "descending",
        "smallest to largest",
        "largest to smallest",
        "in order",
    ];
    let words = lower.split_whitespace().count();
    if words > 16 || TOO_DEEP.iter().any(|w| contains_word(lower, w)) {
        return None;
    }
    let list_items = lower.rsplit(':').next().unwrap_or(lower).split(',').filter(|i| !i.trim().is_empty()).count();
    if list_items >= 3 {
        if let Some(cue) = ORDERING.iter().find(|w| contains_word(lower, w)) {
            return Some(cue);
        }
    }
    if !lower.chars().any(|c| c.is_ascii_digit()) || words > 10 {
        return None;
    }
    let has = |cue: &&str| {
        if cue.chars().all(char::is_alphabetic) {
            contains_word(lower, cue)
        } else {
            lower.contains(*cue)
        }
    };
    ARITHMETIC.iter().chain(UNITS).find(|cue| has(cue)).copied()
}

/// The first kind in rule order with a keyword in `text`, and the keyword; a quick task's shape
/// comes before every keyword.
fn keyword_kind(text: &str) -> Option<(TaskKind, &'static str)> {
    let lower = text.to_lowercase();
    if let Some(cue) = trivial_cue(&lower) {
        return Some((TaskKind::Trivial, cue));
    }
    RULE_ORDER
        .into_iter()
        .find_map(|kind| kind.keywords().iter().find(|word| contains_word(&lower, word)).map(|word| (kind, *word)))
}

/// Whether `text` names a task by a keyword ("Summarize this article:" does, "Please help:" does
/// not).
pub(super) fn names_a_task(text: &str) -> bool {
    keyword_kind(text).is_some()
}

/// The keyword rule: used when the model is absent.
pub fn classify_by_rules(text: &str) -> KindGuess {
    if let Some((kind, word)) = keyword_kind(text) {
        return KindGuess {
            kind,
            similarity: None,
            reason: format!("{} (the word \u{201c}{word}\u{201d}; model not used)", kind.label()),
        };
    }
    KindGuess { kind: TaskKind::Writing, similarity: None, reason: "writing (no rule matched; model not used)".into() }
}

/// `word` occurs in `text` starting at a word boundary (prefixes count: "summar" matches
/// "summarize").
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word)
        .any(|(at, _)| at == 0 || !text[..at].chars().next_back().is_some_and(char::is_alphanumeric))
}

/// The model's reading: embeddings of every kind's examples, compared with a text's embedding.
#[derive(Debug, Clone, Default)]
pub struct KindClassifier {
    examples: Vec<(TaskKind, &'static str, Vec<f32>)>,
}

/// How many nearest examples vote for a kind (their similarities are averaged per kind).
const VOTES: usize = 2;
/// Added to the score of the kind a keyword marks (cosine similarities of different kinds' examples
/// to one text typically lie within 0.1 to 0.3 of each other).
const KEYWORD_BONUS: f32 = 0.1;
/// A quick task's shape (a number and an arithmetic word, a unit, a short list to order) is a
/// precise rule, so it decides over the model: a small model reads "what is 348 times 27" as maths
/// and would send it to the strongest, dearest model.
const SHAPE_BONUS: f32 = 1.0;

impl KindClassifier {
    /// Every example phrase, in the order [`KindClassifier::new`] expects their embeddings.
    pub fn example_texts() -> Vec<&'static str> {
        TaskKind::ALL.iter().flat_map(|kind| kind.examples().iter().copied()).collect()
    }

    /// `embeddings[i]` is the embedding of `example_texts()[i]`. `None` when the count or the
    /// dimensions do not match (a model other than the one the examples were embedded with).
    pub fn new(embeddings: Vec<Vec<f32>>) -> Option<Self> {
        let texts = Self::example_texts();
        let dims = embeddings.first().map(Vec::len)?;
        if embeddings.len() != texts.len() || dims == 0 || embeddings.iter().any(|e| e.len() != dims) {
            return None;
        }
        let kinds = TaskKind::ALL.iter().flat_map(|kind| kind.examples().iter().map(move |_| *kind));
        let examples = kinds.zip(texts).zip(embeddings).map(|((kind, text), e)| (kind, text, e)).collect();
        Some(KindClassifier { examples })
    }

    /// The kind of `text` whose nearest examples are most similar to its `embedding`, with the
    /// keyword bonus; `None` on a dimension mismatch.
    pub fn classify(&self, text: &str, embedding: &[f32]) -> Option<KindGuess> {
        let dims = self.examples.first().map(|(_, _, e)| e.len())?;
        if embedding.len() != dims {
            return None;
        }
        let keyword = keyword_kind(text);
        let mut best: Option<(TaskKind, f32, &str, f32)> = None;
        for kind in TaskKind::ALL {
            let mut scored: Vec<(f32, &str)> = self
                .examples
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, text, e)| (cosine(embedding, e), *text))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            let votes = scored.len().clamp(1, VOTES);
            let bonus = match keyword {
                Some((TaskKind::Trivial, _)) if kind == TaskKind::Trivial => SHAPE_BONUS,
                Some((k, _)) if k == kind => KEYWORD_BONUS,
                _ => 0.0,
            };
            let score = scored.iter().take(votes).map(|(s, _)| s).sum::<f32>() / votes as f32 + bonus;
            let Some(&(nearest, text)) = scored.first() else { continue };
            if best.is_none_or(|(_, b, _, _)| score > b) {
                best = Some((kind, score, text, nearest));
            }
        }
        let (kind, _, example, nearest) = best?;
        let word = keyword.filter(|(k, _)| *k == kind).map(|(_, word)| format!("; the word \u{201c}{word}\u{201d}"));
        Some(KindGuess {
            kind,
            similarity: Some(nearest),
            reason: format!(
                "{} ({nearest:.2} similar to \u{201c}{example}\u{201d}{})",
                kind.label(),
                word.unwrap_or_default()
            ),
        })
    }
}

/// Cosine similarity; 0 for a zero vector.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_valid_karma_domains() {
        for kind in TaskKind::ALL {
            assert_eq!(TaskKind::from_name(kind.name()), Some(kind));
            assert!(kind.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{}", kind.name());
            assert!(kind.examples().len() >= 3, "{kind:?} needs several examples");
        }
    }

    #[test]
    fn rules_read_specific_kinds_first() {
        assert_eq!(classify_by_rules("Take a photo of the bakery on Elm Street").kind, TaskKind::Physical);
        assert_eq!(classify_by_rules("Write a function that sorts a list").kind, TaskKind::Code);
        assert_eq!(classify_by_rules("Translate this email into French").kind, TaskKind::Translate);
        assert_eq!(classify_by_rules("hmm").kind, TaskKind::Writing);
        assert!(classify_by_rules("hmm").reason.contains("no rule matched"));
        // "rust" must not fire inside "trust".
        assert_ne!(classify_by_rules("I trust you").kind, TaskKind::Code);
    }

    /// One-hot "embeddings": each example points along its kind's axis, so a text on an axis is
    /// that kind.
    #[test]
    fn the_nearest_examples_decide() {
        let axis = |kind: TaskKind| {
            let mut v = vec![0.0; TaskKind::ALL.len()];
            v[TaskKind::ALL.iter().position(|k| *k == kind).unwrap()] = 1.0;
            v
        };
        let embeddings =
            TaskKind::ALL.iter().flat_map(|kind| kind.examples().iter().map(move |_| axis(*kind))).collect();
        let classifier = KindClassifier::new(embeddings).unwrap();
        let guess = classifier.classify("hmm", &axis(TaskKind::Vision)).unwrap();
        assert_eq!(guess.kind, TaskKind::Vision);
        assert_eq!(guess.similarity, Some(1.0));
        assert!(guess.reason.starts_with("image understanding (1.00 similar to"));
        assert!(classifier.classify("hmm", &[1.0, 2.0]).is_none(), "wrong dimensions");
        // Halfway between vision and translation, the keyword decides, and the reason says so.
        let mut between = axis(TaskKind::Vision);
        between[TaskKind::ALL.iter().position(|k| *k == TaskKind::Translate).unwrap()] = 1.0;
        let guess = classifier.classify("translate the sign", &between).unwrap();
        assert_eq!(guess.kind, TaskKind::Translate);
        assert!(guess.reason.ends_with("; the word \u{201c}translat\u{201d})"), "{}", guess.reason);
        assert!(KindClassifier::new(vec![vec![1.0]]).is_none(), "wrong count");
    }
}
