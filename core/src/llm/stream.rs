//! A provider's streamed answer, decoded as it arrives: text deltas, usage, and the end.
//!
//! - OpenAI Chat Completions: `chat.completion.chunk` objects, usage in a last chunk with empty
//!   `choices` (`stream_options.include_usage`), then `data: [DONE]`.
//! - Anthropic Messages: `message_start` (input usage), `content_block_delta` (text),
//!   `message_delta` (output usage, stop reason), `message_stop`, `ping`, `error`.
//! - Gemini `streamGenerateContent?alt=sse`: `GenerateContentResponse` objects with
//!   `candidates[].content.parts[].text`, `usageMetadata`, and a `finishReason` on the last.
//!
//! A stream that ends before its terminator is cut short, whatever came before.

use serde_json::Value;

use super::error::{in_stream, LlmError};
use super::sse::{SseDecoder, SseEvent};
use crate::router::{Api, Provider};

/// What a stream said, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    Text(String),
    /// Token counts as far as the provider reported them (each figure only grows).
    Usage {
        input_tokens: u32,
        output_tokens: u32,
    },
    Done {
        stop_reason: Option<String>,
    },
}

impl StreamEvent {
    /// The answer ended because it reached the most the model was allowed to write (OpenAI
    /// `length`, Anthropic `max_tokens`, Gemini `MAX_TOKENS`): it is cut short, not finished.
    pub fn is_cut_short(&self) -> bool {
        matches!(self, StreamEvent::Done { stop_reason: Some(r) } if matches!(r.as_str(), "length" | "max_tokens" | "MAX_TOKENS"))
    }
}

pub struct StreamDecoder {
    api: Api,
    provider: Provider,
    sse: SseDecoder,
    usage: (u32, u32),
    finished: bool,
    /// Gemini's last object carries the finish reason; its stream has no other terminator.
    gemini_reason: Option<String>,
}

impl StreamDecoder {
    pub fn new(api: Api, provider: Provider) -> StreamDecoder {
        StreamDecoder { api, provider, sse: SseDecoder::new(), usage: (0, 0), finished: false, gemini_reason: None }
    }

    /// The next bytes of the body; returns what they complete.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<StreamEvent>, LlmError> {
        let name = self.provider.label();
        let events = self.sse.push(chunk).map_err(|_| LlmError::TooLarge(name))?;
        let mut out = Vec::new();
        for event in events {
            if self.finished {
                // Anything after the end (some servers send a trailing ping) changes nothing.
                continue;
            }
            match self.api {
                Api::OpenAiChat => self.openai(&event, &mut out)?,
                Api::AnthropicMessages => self.anthropic(&event, &mut out)?,
                Api::Gemini => self.gemini(&event, &mut out)?,
            }
        }
        Ok(out)
    }

    /// The body ended; returns the last events, or why the answer is incomplete.
    pub fn finish(mut self) -> Result<Vec<StreamEvent>, LlmError> {
        let name = self.provider.label();
        let sse = std::mem::take(&mut self.sse);
        sse.finish().map_err(|_| LlmError::TooLarge(name))?;
        if self.finished {
            return Ok(Vec::new());
        }
        match self.gemini_reason.take() {
            Some(reason) if self.api == Api::Gemini => Ok(vec![StreamEvent::Done { stop_reason: Some(reason) }]),
            _ => Err(LlmError::CutShort(name)),
        }
    }

    fn json(&self, data: &str) -> Result<Value, LlmError> {
        serde_json::from_str(data).map_err(|_| LlmError::Malformed(self.provider.label()))
    }

    fn usage(&mut self, input: Option<u64>, output: Option<u64>, out: &mut Vec<StreamEvent>) {
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let next = (
            input.map_or(self.usage.0, |n| self.usage.0.max(clamp(n))),
            output.map_or(self.usage.1, |n| self.usage.1.max(clamp(n))),
        );
        if next != self.usage {
            self.usage = next;
            out.push(StreamEvent::Usage { input_tokens: next.0, output_tokens: next.1 });
        }
    }

    fn openai(&mut self, event: &SseEvent, out: &mut Vec<StreamEvent>) -> Result<(), LlmError> {
        if event.data.trim() == "[DONE]" {
            self.finished = true;
            out.push(StreamEvent::Done { stop_reason: self.gemini_reason.take() });
            return Ok(());
        }
        let value = self.json(&event.data)?;
        if value.get("error").is_some() {
            return Err(in_stream(self.api, self.provider, &event.data));
        }
        let choices =
            value.get("choices").and_then(Value::as_array).ok_or(LlmError::Malformed(self.provider.label()))?;
        for choice in choices {
            if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str) {
                if !text.is_empty() {
                    out.push(StreamEvent::Text(text.to_string()));
                }
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                // Kept for the Done that `[DONE]` brings.
                self.gemini_reason = Some(reason.to_string());
            }
        }
        if let Some(usage) = value.get("usage").filter(|u| u.is_object()) {
            let field = |name: &str| usage.get(name).and_then(Value::as_u64);
            self.usage(field("prompt_tokens"), field("completion_tokens"), out);
        }
        Ok(())
    }

    fn anthropic(&mut self, event: &SseEvent, out: &mut Vec<StreamEvent>) -> Result<(), LlmError> {
        let value = self.json(&event.data)?;
        let kind = value.get("type").and_then(Value::as_str).or(event.event.as_deref()).unwrap_or_default();
        match kind {
            "message_start" => {
                let usage = value.pointer("/message/usage");
                let field = |name: &str| usage.and_then(|u| u.get(name)).and_then(Value::as_u64);
                self.usage(field("input_tokens"), field("output_tokens"), out);
            }
            "content_block_delta" => {
                if let Some(text) = value.pointer("/delta/text").and_then(Value::as_str) {
                    if !text.is_empty() {
                        out.push(StreamEvent::Text(text.to_string()));
                    }
                }
            }
            "message_delta" => {
                let usage = value.get("usage");
                let field = |name: &str| usage.and_then(|u| u.get(name)).and_then(Value::as_u64);
                self.usage(field("input_tokens"), field("output_tokens"), out);
                if let Some(reason) = value.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.gemini_reason = Some(reason.to_string());
                }
            }
            "message_stop" => {
                self.finished = true;
                out.push(StreamEvent::Done { stop_reason: self.gemini_reason.take() });
            }
            "error" => return Err(in_stream(self.api, self.provider, &event.data)),
            // ping, content_block_start, content_block_stop and kinds added later carry no text.
            _ => {}
        }
        Ok(())
    }

    fn gemini(&mut self, event: &SseEvent, out: &mut Vec<StreamEvent>) -> Result<(), LlmError> {
        let value = self.json(&event.data)?;
        if value.get("error").is_some() {
            return Err(in_stream(self.api, self.provider, &event.data));
        }
        let candidates = value.get("candidates").and_then(Value::as_array);
        if candidates.is_none() && value.get("usageMetadata").is_none() {
            return Err(LlmError::Malformed(self.provider.label()));
        }
        for candidate in candidates.into_iter().flatten() {
            let parts = candidate.pointer("/content/parts").and_then(Value::as_array);
            for part in parts.into_iter().flatten() {
                if let Some(text) = part.get("text").and_then(Value::as_str) {
                    if !text.is_empty() {
                        out.push(StreamEvent::Text(text.to_string()));
                    }
                }
            }
            if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
                self.gemini_reason = Some(reason.to_string());
            }
        }
        if let Some(usage) = value.get("usageMetadata") {
            let field = |name: &str| usage.get(name).and_then(Value::as_u64);
            self.usage(field("promptTokenCount"), field("candidatesTokenCount"), out);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
