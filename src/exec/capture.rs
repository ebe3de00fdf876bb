//! Bounded capture of tool output: the first and the last part kept, the middle counted.

/// Bytes kept from the start of one process's stream.
pub const HEAD: usize = 4 << 20;
/// Bytes kept from the start of the standard output of a tool whose report ward parses
/// (phpstan's JSON, a checkstyle file): a cut document would lose every finding.
pub const PARSED_HEAD: usize = 8 << 20;
/// Bytes kept from the end of one process's stream.
pub const TAIL: usize = 1 << 20;

/// Output kept within `head + tail` bytes however much a tool prints: a tool's first lines
/// usually say what went wrong and its last lines sum up, while 500 MB of the middle would
/// only make ward (and every report holding the output) run out of memory.
#[derive(Debug)]
pub struct Capture {
    head_max: usize,
    tail_max: usize,
    head: Vec<u8>,
    /// A ring of the latest bytes once the head is full; `tail_start` is its oldest byte.
    tail: Vec<u8>,
    tail_start: usize,
    /// Bytes neither in the head nor in the tail.
    dropped: u64,
}

/// A check's output over all its batches: room for one whole batch's capture and more.
impl Default for Capture {
    fn default() -> Self {
        Capture::new(2 * HEAD, 2 * TAIL)
    }
}

impl Capture {
    pub fn new(head_max: usize, tail_max: usize) -> Capture {
        Capture { head_max, tail_max, head: Vec::new(), tail: Vec::new(), tail_start: 0, dropped: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    pub fn ends_with_newline(&self) -> bool {
        match self.tail.len() {
            0 => self.head.last() == Some(&b'\n'),
            n => self.tail[(self.tail_start + n - 1) % n] == b'\n',
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        let room = self.head_max.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        bytes = rest;
        if bytes.is_empty() {
            return;
        }
        if self.tail_max == 0 {
            self.dropped += bytes.len() as u64;
            return;
        }
        // Only the last `tail_max` bytes of this piece can survive.
        if bytes.len() > self.tail_max {
            let cut = bytes.len() - self.tail_max;
            self.dropped += cut as u64;
            bytes = &bytes[cut..];
        }
        if self.tail.len() < self.tail_max {
            let room = self.tail_max - self.tail.len();
            let (fill, rest) = bytes.split_at(room.min(bytes.len()));
            self.tail.extend_from_slice(fill);
            bytes = rest;
        }
        // The ring is full: the oldest bytes leave for the newest.
        while !bytes.is_empty() {
            let n = (self.tail_max - self.tail_start).min(bytes.len());
            self.tail[self.tail_start..self.tail_start + n].copy_from_slice(&bytes[..n]);
            self.tail_start = (self.tail_start + n) % self.tail_max;
            self.dropped += n as u64;
            bytes = &bytes[n..];
        }
    }

    /// The bytes kept, with a line where the middle was left out.
    pub fn into_bytes(self) -> Vec<u8> {
        let Capture { mut head, tail, tail_start, dropped, .. } = self;
        if dropped > 0 {
            if !head.ends_with(b"\n") {
                head.push(b'\n');
            }
            head.extend_from_slice(
                format!("[ward: {} of output left out here; only the first and last part are kept]\n", size(dropped))
                    .as_bytes(),
            );
        }
        head.extend_from_slice(&tail[tail_start..]);
        head.extend_from_slice(&tail[..tail_start]);
        head
    }
}

/// `1234567` as `1.2 MB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut c = Capture::new(8, 4);
        c.push(b"abc");
        c.push(b"def");
        assert_eq!(c.into_bytes(), b"abcdef");
    }

    #[test]
    fn the_middle_is_counted_and_the_end_kept() {
        let mut c = Capture::new(4, 3);
        for piece in [&b"0123"[..], b"4567", b"89", b"abcdef"] {
            c.push(piece);
        }
        let text = String::from_utf8(c.into_bytes()).expect("utf-8");
        assert_eq!(text, "0123\n[ward: 9 bytes of output left out here; only the first and last part are kept]\ndef");
        let mut c = Capture::new(2, 3);
        for b in b"abcdefgh" {
            c.push(&[*b]);
        }
        assert!(!c.ends_with_newline());
        let text = String::from_utf8(c.into_bytes()).expect("utf-8");
        assert!(text.starts_with("ab\n[ward: 3 bytes") && text.ends_with("]\nfgh"), "{text}");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(500_000_000), "500.0 MB");
    }
}
