//! The decoders against streams recorded from llmock 0.2.2, which speaks each provider's format
//! (fixtures/), split at every byte and cut, broken and failing in the ways providers fail.

use super::*;

const OPENAI: &[u8] = include_bytes!("../fixtures/openai-chat.sse");
const ANTHROPIC: &[u8] = include_bytes!("../fixtures/anthropic-messages.sse");
const GEMINI: &[u8] = include_bytes!("../fixtures/gemini.sse");

fn decode(api: Api, provider: Provider, chunks: &[&[u8]]) -> Result<Vec<StreamEvent>, LlmError> {
    let mut decoder = StreamDecoder::new(api, provider);
    let mut events = Vec::new();
    for chunk in chunks {
        events.extend(decoder.push(chunk)?);
    }
    events.extend(decoder.finish()?);
    Ok(events)
}

fn text(events: &[StreamEvent]) -> String {
    events.iter().filter_map(|e| if let StreamEvent::Text(t) = e { Some(t.as_str()) } else { None }).collect()
}

#[test]
fn recorded_streams_give_text_usage_and_end() {
    let openai = decode(Api::OpenAiChat, Provider::OpenAi, &[OPENAI]).unwrap();
    assert!(text(&openai).starts_with("Mock response from gpt-4o-mini: "), "{}", text(&openai));
    assert!(openai.contains(&StreamEvent::Usage { input_tokens: 5, output_tokens: 16 }));
    assert_eq!(openai.last(), Some(&StreamEvent::Done { stop_reason: Some("stop".into()) }));
    assert!(!openai.last().unwrap().is_cut_short());
    for limit in ["length", "max_tokens", "MAX_TOKENS"] {
        assert!(StreamEvent::Done { stop_reason: Some(limit.into()) }.is_cut_short(), "{limit}");
    }

    let anthropic = decode(Api::AnthropicMessages, Provider::Anthropic, &[ANTHROPIC]).unwrap();
    assert_eq!(text(&anthropic), "Mock response from claude-sonnet-4-5: everything is working as expected.");
    assert_eq!(
        anthropic.iter().rfind(|e| matches!(e, StreamEvent::Usage { .. })),
        Some(&StreamEvent::Usage { input_tokens: 5, output_tokens: 18 })
    );
    assert_eq!(anthropic.last(), Some(&StreamEvent::Done { stop_reason: Some("end_turn".into()) }));

    let gemini = decode(Api::Gemini, Provider::Google, &[GEMINI]).unwrap();
    assert!(text(&gemini).starts_with("Hello! gemini-2.5-flash received: "), "{}", text(&gemini));
    assert!(gemini.contains(&StreamEvent::Usage { input_tokens: 5, output_tokens: 13 }));
    assert_eq!(gemini.last(), Some(&StreamEvent::Done { stop_reason: Some("STOP".into()) }));
}

#[test]
fn every_split_of_a_stream_decodes_alike() {
    for (api, provider, stream) in [
        (Api::OpenAiChat, Provider::OpenAi, OPENAI),
        (Api::AnthropicMessages, Provider::Anthropic, ANTHROPIC),
        (Api::Gemini, Provider::Google, GEMINI),
    ] {
        let whole = decode(api, provider, &[stream]).unwrap();
        let text_whole = text(&whole);
        for at in (0..stream.len()).step_by(7) {
            let split = decode(api, provider, &[&stream[..at], &stream[at..]]).unwrap();
            assert_eq!(text(&split), text_whole, "{provider:?} split at {at}");
            assert_eq!(split.last(), whole.last());
        }
    }
}

#[test]
fn cut_and_broken_streams_say_so() {
    let cut = decode(Api::OpenAiChat, Provider::OpenAi, &[include_bytes!("../fixtures/openai-cut.sse")]);
    assert_eq!(cut, Err(LlmError::CutShort("OpenAI")));
    assert!(cut.unwrap_err().retryable());
    let cut = decode(Api::AnthropicMessages, Provider::Anthropic, &[include_bytes!("../fixtures/anthropic-cut.sse")]);
    assert_eq!(cut, Err(LlmError::CutShort("Anthropic")));
    let cut = decode(Api::Gemini, Provider::Google, &[include_bytes!("../fixtures/gemini-cut.sse")]);
    assert_eq!(cut, Err(LlmError::CutShort("Google")));
    let broken = decode(Api::OpenAiChat, Provider::OpenAi, &[include_bytes!("../fixtures/openai-malformed.sse")]);
    assert_eq!(broken, Err(LlmError::Malformed("OpenAI")));
    assert_eq!(broken.unwrap_err().to_string(), "OpenAI sent a reply that is not in its documented format");
}

#[test]
fn errors_inside_a_stream_are_classified() {
    let overloaded = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let got = decode(Api::AnthropicMessages, Provider::Anthropic, &[overloaded]);
    assert_eq!(got, Err(LlmError::Overloaded { provider: "Anthropic", retry_after_ms: None }));
    let openai = b"data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n";
    assert!(matches!(decode(Api::OpenAiChat, Provider::OpenAi, &[openai]), Err(LlmError::ProviderDown { .. })));
    // Anything after the end changes nothing.
    let after = [OPENAI, b"data: {\"nonsense\n\n".as_slice()].concat();
    assert!(decode(Api::OpenAiChat, Provider::OpenAi, &[&after]).is_ok());
}
