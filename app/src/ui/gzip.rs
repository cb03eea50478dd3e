//! Gzip bodies made of pieces compressed apart: a piece many responses share (the seat
//! map of an event, a few hundred kilobytes) is compressed once, and each response
//! compresses only its own text around it, a few kilobytes.
//!
//! Every piece is a raw DEFLATE stream of its own compressor, ended on a byte boundary
//! without a final block (a full flush), so pieces may follow one another in any order:
//! none refers back to bytes before it. The body ends with an empty final block and the
//! gzip trailer, whose CRC is combined from the pieces'.

use flate2::{Compress, Compression, FlushCompress};

/// Text compressed once, to be put in many bodies.
#[derive(Clone)]
pub struct Piece {
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

impl Piece {
    /// `text` compressed at `level` (0 to 9).
    pub fn new(text: &[u8], level: u32) -> Piece {
        let mut crc = crc32fast::Hasher::new();
        crc.update(text);
        Piece { deflated: deflate(text, level), crc, len: text.len() as u64 }
    }

    /// Its compressed size.
    pub fn compressed_len(&self) -> usize {
        self.deflated.len()
    }
}

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Piece({} bytes, {} compressed)", self.len, self.deflated.len())
    }
}

/// One part of a body: text of this response, or a piece compressed before.
pub enum Part<'a> {
    Text(&'a [u8]),
    Piece(&'a Piece),
}

/// A gzip body of `parts`, in order; the texts compressed here, fast.
pub fn gzip(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::with_capacity(parts.iter().map(|p| if let Part::Piece(p) = p { p.deflated.len() } else { 1024 }).sum::<usize>() + 64);
    // Magic, DEFLATE, no flags, no time, no extra flags, unknown system.
    body.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let mut crc = crc32fast::Hasher::new();
    let mut len: u64 = 0;
    for part in parts {
        match part {
            Part::Text(text) => {
                if text.len() <= STORED_AT_MOST {
                    stored(text, &mut body);
                } else {
                    body.extend_from_slice(&deflate(text, 1));
                }
                crc.update(text);
                len += text.len() as u64;
            }
            Part::Piece(piece) => {
                body.extend_from_slice(&piece.deflated);
                crc.combine(&piece.crc);
                len += piece.len;
            }
        }
    }
    // The final block: stored, empty.
    body.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    body.extend_from_slice(&crc.finalize().to_le_bytes());
    body.extend_from_slice(&(len as u32).to_le_bytes());
    body
}

/// Texts this short (a nonce) are stored as they are: a compressor costs more to set up
/// than they could gain.
const STORED_AT_MOST: usize = 256;

/// `text` as DEFLATE stored blocks (non-final, so they start and end on a byte boundary).
fn stored(text: &[u8], body: &mut Vec<u8>) {
    for block in text.chunks(u16::MAX as usize) {
        let len = block.len() as u16;
        body.push(0);
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(&(!len).to_le_bytes());
        body.extend_from_slice(block);
    }
}

/// `data` as a raw DEFLATE stream of a fresh compressor, ended by a full flush.
fn deflate(data: &[u8], level: u32) -> Vec<u8> {
    let mut compressor = Compress::new(Compression::new(level), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        let consumed = compressor.total_in() as usize;
        compressor.compress_vec(&data[consumed..], &mut out, FlushCompress::Full).expect("DEFLATE into a growing buffer does not fail");
        // The flush is complete once the input is in and room was left over.
        if compressor.total_in() as usize == data.len() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(out.capacity().max(1024));
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body).read_to_end(&mut out).expect("a valid gzip body");
        out
    }

    #[test]
    fn pieces_and_texts_make_one_body() {
        let map: String = (0..2000).map(|i| format!("<circle cx=\"{i}\" data-seat-id=\"{i:08x}\"/>")).collect();
        let piece = Piece::new(map.as_bytes(), 6);
        assert!(piece.compressed_len() < map.len() / 4, "{piece:?}");
        let body = gzip(&[Part::Text(b"<html><body>"), Part::Piece(&piece), Part::Text("<p>ñandú</p></body></html>".as_bytes())]);
        let whole = format!("<html><body>{map}<p>ñandú</p></body></html>");
        assert_eq!(gunzip(&body), whole.as_bytes());
    }

    #[test]
    fn empty_and_repeated_parts_still_decode() {
        let piece = Piece::new(b"abcabcabc", 9);
        let empty = Piece::new(b"", 6);
        let body = gzip(&[Part::Piece(&piece), Part::Text(b""), Part::Piece(&empty), Part::Piece(&piece)]);
        assert_eq!(gunzip(&body), b"abcabcabcabcabcabc");
        assert_eq!(gunzip(&gzip(&[])), b"");
    }

    #[test]
    fn short_texts_are_stored_between_pieces() {
        let piece = Piece::new(b"<script nonce=\"", 6);
        let nonce = b"q1w2e3r4t5y6u7i8o9p0aa";
        let body = gzip(&[Part::Piece(&piece), Part::Text(nonce), Part::Piece(&piece), Part::Text(&[b'x'; 300]), Part::Text(b"!")]);
        let whole = [&b"<script nonce=\""[..], nonce, b"<script nonce=\"", &[b'x'; 300], b"!"].concat();
        assert_eq!(gunzip(&body), whole);
    }
}
