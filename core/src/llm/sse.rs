//! A bounded, incremental decoder of Server-Sent Events (the WHATWG `text/event-stream` format):
//! bytes go in as the network delivers them, split anywhere (inside a UTF-8 character, between a
//! CR and its LF), and complete events come out.
//!
//! Our own because the crates for it (`eventsource-stream`, `sse-stream`) are built around a
//! futures `Stream` of the body and set no bound on a line, while a provider's stream is untrusted
//! input that must not grow memory without limit (docs/decisions.md).

/// The longest line we keep; provider chunks are a few hundred bytes.
pub const MAX_LINE_BYTES: usize = 256 * 1024;
/// The most data one event may gather over its lines.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, if the event had one.
    pub event: Option<String>,
    /// The `data:` lines joined by newlines.
    pub data: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("the stream sent a line longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong,
    #[error("the stream sent an event larger than {MAX_EVENT_BYTES} bytes")]
    EventTooLarge,
}

#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    /// The last byte was a CR: an LF right after it belongs to the same line end.
    after_cr: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
}

impl SseDecoder {
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// Takes the next bytes of the stream; returns the events they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut events = Vec::new();
        for &byte in bytes {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_done(&line)? {
                        events.push(event);
                    }
                }
                _ => {
                    if self.line.len() >= MAX_LINE_BYTES {
                        return Err(SseError::LineTooLong);
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(events)
    }

    /// The stream ended: a last line without its end is taken, an event without its blank line
    /// is not dispatched (the format says so).
    pub fn finish(mut self) -> Result<(), SseError> {
        let line = std::mem::take(&mut self.line);
        self.line_done(&line).map(|_| ())
    }

    fn line_done(&mut self, line: &[u8]) -> Result<Option<SseEvent>, SseError> {
        if line.is_empty() {
            if !self.has_data {
                self.event = None;
                return Ok(None);
            }
            self.has_data = false;
            return Ok(Some(SseEvent { event: self.event.take(), data: std::mem::take(&mut self.data) }));
        }
        // Invalid UTF-8 becomes U+FFFD, as a browser's EventSource would read it.
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.data.len() + value.len() + 1 > MAX_EVENT_BYTES {
                    return Err(SseError::EventTooLarge);
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_string()),
            _ => {}
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(decoder.push(chunk).unwrap());
        }
        decoder.finish().unwrap();
        events
    }

    #[test]
    fn fields_comments_and_line_ends() {
        let stream = b": keep-alive\r\nevent: ping\r\ndata: {\"a\":1}\r\n\r\ndata:x\ndata: y\n\nevent: lone\n\n";
        let events = decode(&[stream]);
        assert_eq!(
            events,
            [
                SseEvent { event: Some("ping".into()), data: "{\"a\":1}".into() },
                SseEvent { event: None, data: "x\ny".into() },
            ]
        );
    }

    #[test]
    fn every_split_gives_the_same_events() {
        let stream = "event: a\r\ndata: héllo wörld\r\n\r\ndata: 2\r\r".as_bytes();
        let whole = decode(&[stream]);
        assert_eq!(whole.len(), 2);
        for at in 0..stream.len() {
            assert_eq!(decode(&[&stream[..at], &stream[at..]]), whole, "split at {at}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode(&bytes), whole);
    }

    #[test]
    fn oversized_input_is_refused_not_kept() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.push(&vec![b'a'; MAX_LINE_BYTES + 1]), Err(SseError::LineTooLong));
        let mut decoder = SseDecoder::new();
        let line = format!("data: {}\n", "b".repeat(MAX_LINE_BYTES - 10));
        let mut result = Ok(Vec::new());
        for _ in 0..5 {
            result = decoder.push(line.as_bytes());
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseError::EventTooLarge));
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        assert_eq!(decode(&[b"data: half"]), []);
    }
}
