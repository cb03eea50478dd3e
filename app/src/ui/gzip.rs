//! Gzip bodies made of pieces compressed apart: a piece many responses share (the seat
//! map of an event, a few hundred kilobytes) is compressed once, and each response
//! compresses only its own text around it, a few kilobytes.
//!
//! Every piece is a raw DEFLATE stream of its own compressor, ended on a byte boundary
//! without a final block (a full flush), so pieces may follow one another in any order:
//! none refers back to bytes before it. The body ends with an empty final block and the
//! gzip trailer, whose CRC is combined from the pieces'.

use flate2::{Compress, Compression, FlushCompress, Status};

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
        Piece { deflated: deflate(text, level, FlushCompress::Full), crc, len: text.len() as u64 }
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
                body.extend_from_slice(&deflate(text, 1, FlushCompress::Full));
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
    body.extend_from_slice(&deflate(&[], 1, FlushCompress::Finish));
    body.extend_from_slice(&crc.finalize().to_le_bytes());
    body.extend_from_slice(&(len as u32).to_le_bytes());
    body
}

/// `data` as a raw DEFLATE stream of a fresh compressor, ended by `flush`.
fn deflate(data: &[u8], level: u32, flush: FlushCompress) -> Vec<u8> {
    let mut compressor = Compress::new(Compression::new(level), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        let consumed = compressor.total_in() as usize;
        let status = compressor.compress_vec(&data[consumed..], &mut out, flush).expect("DEFLATE into a growing buffer does not fail");
        let all_in = compressor.total_in() as usize == data.len();
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            // The flush is complete once the input is in and room was left over.
            _ => all_in && out.len() < out.capacity(),
        };
        if done {
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
}
