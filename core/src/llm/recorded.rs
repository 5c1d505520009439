//! Error replies and broken streams recorded from llmock 0.2.2 (`fixtures/errors.tsv`, the
//! `*-truncated.sse` and `*-malformed.sse` streams, and one clean stream per provider with a
//! system prompt: `openai.sse`, `anthropic.sse`, `gemini-system.sse`), read the way the app reads
//! them: every reply gets its variant, its retry rule and the wait the server asked for; every
//! broken stream says so.

use super::*;
use crate::router::Provider;

const ERRORS: &str = include_str!("fixtures/errors.tsv");

fn api_of(name: &str) -> (Api, Provider) {
    match name {
        "openai" => (Api::OpenAiChat, Provider::OpenAi),
        "anthropic" => (Api::AnthropicMessages, Provider::Anthropic),
        "gemini" => (Api::Gemini, Provider::Google),
        other => panic!("errors.tsv names an unknown provider {other}"),
    }
}

/// What a user must see for each recorded status: the variant, and whether another attempt runs.
fn expected(provider: &'static str, status: u16) -> (LlmError, bool) {
    let asked = Some(2_000);
    match status {
        401 => (LlmError::BadKey(provider), false),
        429 => (LlmError::RateLimited { provider, retry_after_ms: asked }, true),
        500 => (LlmError::ProviderDown { provider, status }, true),
        503 | 529 => (LlmError::Overloaded { provider, retry_after_ms: asked }, true),
        400 => (LlmError::ContextTooLong(provider), false),
        other => panic!("errors.tsv holds a status {other} this test does not expect"),
    }
}

#[test]
fn every_recorded_error_reply_gets_its_variant_and_retry_rule() {
    let rows: Vec<&str> = ERRORS.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    assert_eq!(rows.len(), 18, "three providers, six replies each");
    for row in rows {
        let [name, status, retry_after, body] = row.splitn(4, '\t').collect::<Vec<_>>()[..] else {
            panic!("errors.tsv row without four columns: {row}")
        };
        let (api, provider) = api_of(name);
        let status: u16 = status.parse().unwrap();
        let retry_after = Some(retry_after).filter(|r| *r != "-");
        let got = classify(api, provider, status, retry_after, body, 0);
        let (want, retryable) = expected(provider.label(), status);
        assert_eq!(got, want, "{name} {status}");
        assert_eq!(got.retryable(), retryable, "{name} {status}");
        assert_eq!(got.retry_after_ms(), want.retry_after_ms(), "{name} {status}");
        // The sentence names the provider and repeats none of the server's own words.
        let sentence = got.to_string();
        assert!(sentence.contains(provider.label()), "{sentence}");
        for word in ["Unauthorized", "exceeded", "Internal server", "Service", "499"] {
            assert!(!sentence.contains(word), "{name} {status}: {sentence}");
        }
    }
}

fn decode(api: Api, provider: Provider, stream: &[u8]) -> Result<Vec<StreamEvent>, LlmError> {
    let mut decoder = StreamDecoder::new(api, provider);
    let mut events = decoder.push(stream)?;
    events.extend(decoder.finish()?);
    Ok(events)
}

#[test]
fn recorded_truncated_streams_are_cut_short_and_malformed_ones_unreadable() {
    let truncated: [(&str, &[u8]); 3] = [
        ("openai", include_bytes!("fixtures/openai-truncated.sse")),
        ("anthropic", include_bytes!("fixtures/anthropic-truncated.sse")),
        ("gemini", include_bytes!("fixtures/gemini-truncated.sse")),
    ];
    for (name, stream) in truncated {
        let (api, provider) = api_of(name);
        assert_eq!(decode(api, provider, stream), Err(LlmError::CutShort(provider.label())), "{name}");
    }
    let malformed: [(&str, &[u8]); 3] = [
        ("openai", include_bytes!("fixtures/openai-malformed.sse")),
        ("anthropic", include_bytes!("fixtures/anthropic-malformed.sse")),
        ("gemini", include_bytes!("fixtures/gemini-malformed.sse")),
    ];
    for (name, stream) in malformed {
        let (api, provider) = api_of(name);
        // llmock cuts one event's JSON short and then goes on to a clean end: the answer has a hole.
        assert_eq!(decode(api, provider, stream), Err(LlmError::Malformed(provider.label())), "{name}");
    }
}

#[test]
fn recorded_streams_with_a_system_prompt_split_anywhere_decode_alike() {
    // llmock's echo style: the system prompt comes first for OpenAI, is left out by Anthropic,
    // comes last for Gemini.
    let clean: [(&str, &[u8], &str, (u32, u32), &str); 3] = [
        ("openai", include_bytes!("fixtures/openai.sse"), "Hello! You said: Be brief. Say hi to Ada", (5, 10), "stop"),
        ("anthropic", include_bytes!("fixtures/anthropic.sse"), "Hello! You said: Say hi to Ada", (5, 7), "end_turn"),
        (
            "gemini",
            include_bytes!("fixtures/gemini-system.sse"),
            "Hello! You said: Say hi to Ada Be brief.",
            (5, 10),
            "STOP",
        ),
    ];
    for (name, stream, text, (input_tokens, output_tokens), reason) in clean {
        let (api, provider) = api_of(name);
        let whole = decode(api, provider, stream).unwrap();
        let said: String =
            whole.iter().filter_map(|e| if let StreamEvent::Text(t) = e { Some(t.as_str()) } else { None }).collect();
        assert_eq!(said, text, "{name}");
        let last_usage = whole.iter().rfind(|e| matches!(e, StreamEvent::Usage { .. }));
        assert_eq!(last_usage, Some(&StreamEvent::Usage { input_tokens, output_tokens }), "{name}");
        assert_eq!(whole.last(), Some(&StreamEvent::Done { stop_reason: Some(reason.into()) }), "{name}");
        for at in 0..=stream.len() {
            let mut decoder = StreamDecoder::new(api, provider);
            let mut split = decoder.push(&stream[..at]).unwrap();
            split.extend(decoder.push(&stream[at..]).unwrap());
            split.extend(decoder.finish().unwrap());
            assert_eq!(split, whole, "{name} split at byte {at}");
        }
    }
}
