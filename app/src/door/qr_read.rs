//! Reading a QR code in a camera frame, in WASM (`rqrr`), for browsers without a
//! `BarcodeDetector` (see `camera`).

/// The first QR code found in an RGBA picture of `width` × `height` pixels, as text.
pub fn decode_rgba(rgba: &[u8], width: usize, height: usize) -> Option<String> {
    if rgba.len() < width * height * 4 {
        return None;
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let i = (y * width + x) * 4;
        // Luma, BT.601 weights in integers.
        ((rgba[i] as u32 * 299 + rgba[i + 1] as u32 * 587 + rgba[i + 2] as u32 * 114) / 1000) as u8
    });
    image.detect_grids().into_iter().find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::decode_rgba;

    /// A ticket's QR code as a camera sees it: `scale` pixels a module, a quiet zone, on
    /// a grey background, somewhere off the picture's centre.
    fn picture(text: &str, scale: usize, width: usize, height: usize) -> Vec<u8> {
        let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
        let modules = qr.width();
        let mut rgba = vec![0u8; width * height * 4];
        for px in rgba.chunks_mut(4) {
            px.copy_from_slice(&[150, 140, 130, 255]);
        }
        let (left, top) = (width / 5, height / 6);
        let side = (modules + 8) * scale;
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale) as isize - 4, (y / scale) as isize - 4);
                let dark = mx >= 0 && my >= 0 && (mx as usize) < modules && (my as usize) < modules
                    && qr[(mx as usize, my as usize)] == qrcode::Color::Dark;
                let v = if dark { 20 } else { 235 };
                let i = ((top + y) * width + left + x) * 4;
                rgba[i..i + 4].copy_from_slice(&[v, v, v, 255]);
            }
        }
        rgba
    }

    #[test]
    fn reads_a_ticket_code_from_a_frame() {
        let code = "TQ1.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        let (w, h) = (640, 480);
        assert_eq!(decode_rgba(&picture(code, 4, w, h), w, h).as_deref(), Some(code));
    }

    #[test]
    fn a_frame_without_a_code_reads_nothing() {
        let (w, h) = (320, 240);
        let grey = vec![128u8; w * h * 4];
        assert_eq!(decode_rgba(&grey, w, h), None);
        assert_eq!(decode_rgba(&grey[..100], w, h), None, "a short buffer is not read past its end");
    }
}
