//! The graph as an SVG picture: the same primitives the screen's mesh is
//! made of ([`GraphView::draw_into`]), written as vector shapes, with the
//! caption strip. Links and nodes culled to the view, so a picture of a
//! 50K-account case stays a file a slide deck can open.

use std::fmt::Write as _;

use egui::{Color32, Pos2, Rect, pos2, vec2};

use super::{CAPTION_HEIGHT, PictureSize, RenderError, ViewKind, ViewPicture, caption_lines};
use crate::views::graph_view::{BACKGROUND, GraphSink, GraphView};

struct SvgSink {
    body: String,
    shapes: usize,
}

fn color_attr(c: Color32) -> String {
    let [r, g, b, a] = c.to_srgba_unmultiplied();
    if a == 255 {
        format!("#{r:02x}{g:02x}{b:02x}")
    } else {
        format!(
            "#{r:02x}{g:02x}{b:02x}\" fill-opacity=\"{:.3}",
            f32::from(a) / 255.0
        )
    }
}

impl GraphSink for SvgSink {
    fn segment(&mut self, p: Pos2, q: Pos2, width: f32, color: Color32) {
        let [r, g, b, a] = color.to_srgba_unmultiplied();
        let _ = writeln!(
            self.body,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#{r:02x}{g:02x}{b:02x}\" stroke-opacity=\"{:.3}\" stroke-width=\"{width:.2}\"/>",
            p.x,
            p.y,
            q.x,
            q.y,
            f32::from(a) / 255.0
        );
        self.shapes += 1;
    }

    fn disc(&mut self, c: Pos2, r: f32, color: Color32) {
        let _ = writeln!(
            self.body,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.2}\" fill=\"{}\"/>",
            c.x,
            c.y,
            color_attr(color)
        );
        self.shapes += 1;
    }
}

/// `text` safe in XML (the graph files' escaping: entities, and the
/// characters XML forbids replaced).
fn escape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    // Writing into a Vec cannot fail.
    let _ = crate::base::text::write_xml_escaped(&mut out, text);
    String::from_utf8_lossy(&out).into_owned()
}

/// The graph of `picture` as an SVG document `size` points large (the
/// scale does not matter to a vector picture), caption included.
pub fn graph_svg(picture: &ViewPicture, size: PictureSize) -> Result<String, RenderError> {
    size.check()?;
    let mut graph = match picture.camera {
        Some((center, scale)) => GraphView::with_camera(center, scale),
        None => GraphView::default(),
    };
    let view_height = size.height - CAPTION_HEIGHT;
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(size.width, view_height));
    let input = picture.graph_input();
    let mut sink = SvgSink {
        body: String::new(),
        shapes: 0,
    };
    graph.draw_into(&mut sink, &input, rect);
    let (visible, passing, drawn) = graph.shown_counts();
    let (w, h) = (size.width, size.height);
    let mut svg = String::with_capacity(sink.body.len() + 4096);
    let _ = writeln!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(
        svg,
        "<rect width=\"{w}\" height=\"{}\" fill=\"{}\"/>",
        view_height,
        color_attr(BACKGROUND)
    );
    let _ = writeln!(
        svg,
        "<g clip-path=\"url(#view)\"><clipPath id=\"view\"><rect width=\"{w}\" height=\"{}\"/></clipPath>",
        view_height
    );
    svg.push_str(&sink.body);
    svg.push_str("</g>\n");
    // Legend: what is shown, as on screen.
    let legend = [
        format!(
            "{visible} of {} accounts · {passing} links{}",
            picture.loaded.accounts.len(),
            if drawn < passing && picture.settings.show_links {
                format!(" (the {drawn} strongest drawn)")
            } else {
                String::new()
            }
        ),
        format!("colour by {}", picture.settings.color_by.label()),
    ];
    let _ = writeln!(
        svg,
        "<rect x=\"8\" y=\"8\" width=\"300\" height=\"40\" rx=\"4\" fill=\"#181a22\" fill-opacity=\"0.88\"/>"
    );
    for (i, line) in legend.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"16\" y=\"{}\" font-size=\"11\" fill=\"#d0d0d0\">{}</text>",
            24 + i * 16,
            escape(line)
        );
    }
    let strip = pos2(0.0, view_height);
    let _ = writeln!(
        svg,
        "<rect x=\"0\" y=\"{}\" width=\"{w}\" height=\"{CAPTION_HEIGHT}\" fill=\"#0c0d11\"/>",
        strip.y
    );
    for (i, line) in caption_lines(picture, ViewKind::Graph).iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"8\" y=\"{:.1}\" font-size=\"12\" fill=\"{}\">{}</text>",
            strip.y + 18.0 + i as f32 * 17.0,
            if i == 0 { "#e1e1e1" } else { "#a0a0a0" },
            escape(line)
        );
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}
