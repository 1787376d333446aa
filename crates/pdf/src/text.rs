//! The two embedded fonts (DejaVu Sans and DejaVu Sans Bold, `fonts/SOURCES.md`), text shaped
//! once for both measuring and drawing, and greedy line wrapping.
//!
//! It never draws a glyph the font lacks: such characters print as "?" (PDF/A forbids `.notdef`),
//! and control characters as spaces.

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};

static REGULAR_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// One face: krilla's font (for the PDF) and rustybuzz's (for shaping and measuring).
pub struct Face {
    pub font: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        // The fonts are compiled in and known good: failing here is a build defect, caught by
        // every test.
        let font = Font::new(bytes.into(), 0).expect("the embedded font loads in krilla");
        let shaper = rustybuzz::Face::from_slice(bytes, 0).expect("the embedded font shapes");
        let units_per_em = shaper.units_per_em() as f32;
        Face {
            font,
            shaper,
            units_per_em,
        }
    }

    /// Whether the font has a glyph for `ch`.
    fn covers(&self, ch: char) -> bool {
        self.shaper.glyph_index(ch).is_some()
    }
}

pub static REGULAR: LazyLock<Face> = LazyLock::new(|| Face::load(REGULAR_BYTES));
pub static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(BOLD_BYTES));

/// A run of text shaped with one face: its glyphs (advances in ems) and its width in ems.
pub struct Shaped {
    pub text: String,
    pub glyphs: Vec<KrillaGlyph>,
    pub width_em: f32,
}

impl Shaped {
    pub fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }
}

/// Replaces what cannot be printed: control characters by spaces, characters outside the font
/// (and private-use ones) by "?".
pub fn printable(face: &Face, text: &str) -> String {
    text.chars()
        .map(|ch| {
            if ch.is_control() {
                ' '
            } else if is_private_use(ch) || !face.covers(ch) {
                '?'
            } else {
                ch
            }
        })
        .collect()
}

fn is_private_use(ch: char) -> bool {
    matches!(u32::from(ch), 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// Shapes `text` (already printable) left to right.
pub fn shape(face: &Face, text: &str) -> Shaped {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    buffer.guess_segment_properties();
    let output = rustybuzz::shape(&face.shaper, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let upem = face.units_per_em;
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0;
    for (index, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // A cluster runs to the start of the next glyph's cluster (left to right).
        let end = infos[index + 1..]
            .iter()
            .map(|next| next.cluster as usize)
            .find(|&next| next != start)
            .unwrap_or(text.len());
        let advance = pos.x_advance as f32 / upem;
        width += advance;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            advance,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end,
            None,
        ));
    }
    Shaped {
        text: text.to_owned(),
        glyphs,
        width_em: width,
    }
}

/// The width of `text` in points at `size`.
pub fn width(face: &Face, text: &str, size: f32) -> f32 {
    shape(face, text).width(size)
}

/// Wraps `text` into lines no wider than `max_width` points at `size`: greedy on spaces, and a
/// word wider than a line is cut between characters. Never returns an empty list.
pub fn wrap(face: &Face, text: &str, size: f32, max_width: f32) -> Vec<String> {
    let text = printable(face, text);
    let space = width(face, " ", size);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    for word in text.split_whitespace() {
        let word_width = width(face, word, size);
        if !line.is_empty() && line_width + space + word_width <= max_width {
            line.push(' ');
            line.push_str(word);
            line_width += space + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_width <= max_width {
            line.push_str(word);
            line_width = word_width;
            continue;
        }
        // A word longer than a line: cut it where it overflows (character advances added up,
        // so a long word costs linear time).
        let mut piece = String::new();
        let mut piece_width = 0.0;
        let mut buffer = [0u8; 4];
        for ch in word.chars() {
            let advance = width(face, ch.encode_utf8(&mut buffer), size);
            if !piece.is_empty() && piece_width + advance > max_width {
                lines.push(std::mem::take(&mut piece));
                piece_width = 0.0;
            }
            piece.push(ch);
            piece_width += advance;
        }
        line_width = width(face, &piece, size);
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Like [`wrap`], but at most `max_lines` lines, the last ending in "…" when text was left out.
pub fn wrap_at_most(face: &Face, text: &str, size: f32, max_width: f32, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(face, text, size, max_width);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && width(face, &format!("{last}…"), size) > max_width {
                last.pop();
            }
            last.push('…');
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_word() {
        let text = "Servicio de mantenimiento mensual de la red de oficinas con soporte remoto";
        let lines = wrap(&REGULAR, text, 8.0, 100.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(width(&REGULAR, line, 8.0) <= 100.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_long_word_is_cut() {
        let lines = wrap(&REGULAR, &"X".repeat(200), 8.0, 50.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), "X".repeat(200));
    }

    #[test]
    fn a_very_long_word_wraps_in_linear_time() {
        let word = "Ñ".repeat(20_000);
        let lines = wrap(&REGULAR, &word, 7.0, 150.0);
        assert!(lines.len() > 100);
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn unprintable_characters_are_replaced() {
        assert_eq!(printable(&REGULAR, "a\tb\u{E000}c"), "a b?c");
    }
}
