//! detect-private-key: finds the headers of private key files.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::lines::position;
use super::sink::Sink;

/// The markers pre-commit-hooks looks for, found in one pass by a literal-set search.
const MARKERS: &[&str] = &[
    "BEGIN RSA PRIVATE KEY",
    "BEGIN DSA PRIVATE KEY",
    "BEGIN EC PRIVATE KEY",
    "BEGIN OPENSSH PRIVATE KEY",
    "BEGIN PRIVATE KEY",
    "PuTTY-User-Key-File-2",
    "BEGIN SSH2 ENCRYPTED PRIVATE KEY",
    "BEGIN PGP PRIVATE KEY BLOCK",
    "BEGIN ENCRYPTED PRIVATE KEY",
    "BEGIN OpenVPN Static key V1",
];

static MATCHER: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = MARKERS.iter().map(|m| regex::escape(m)).collect::<Vec<_>>().join("|");
    Regex::new(&pattern).expect("escaped literals always form a valid pattern")
});

pub(crate) fn check(buf: &[u8], sink: &mut Sink) {
    for found in MATCHER.find_iter(buf) {
        let (line, column) = position(buf, found.start());
        let marker = String::from_utf8_lossy(found.as_bytes());
        sink.error(
            line,
            Some(column),
            format!("private key found (`{marker}`): remove it from the repository and treat the key as leaked"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(buf: &[u8]) -> Vec<(u32, u32)> {
        let mut sink = Sink::new("f", "detect-private-key");
        check(buf, &mut sink);
        sink.finish().into_iter().map(|d| (d.line.unwrap(), d.column.unwrap())).collect()
    }

    #[test]
    fn finds_every_marker() {
        for marker in MARKERS {
            let text = format!("x\n-----{marker}-----\nAAAA\n");
            assert_eq!(found(text.as_bytes()), vec![(2, 6)], "{marker}");
        }
    }

    #[test]
    fn public_keys_and_empty_files_pass() {
        assert!(found(b"-----BEGIN PUBLIC KEY-----\n").is_empty());
        assert!(found(b"ssh-ed25519 AAAA user@host\n").is_empty());
        assert!(found(b"").is_empty());
    }

    #[test]
    fn finds_keys_in_crlf_and_non_utf8_files() {
        assert_eq!(found(b"\xff\xfe\r\n\r\n-----BEGIN EC PRIVATE KEY-----\r\n"), vec![(3, 6)]);
    }

    #[test]
    fn huge_line_with_a_key_at_its_end() {
        let mut input = vec![b'a'; 1 << 20];
        input.extend_from_slice(b"BEGIN PRIVATE KEY");
        assert_eq!(found(&input), vec![(1, (1 << 20) + 1)]);
    }
}
