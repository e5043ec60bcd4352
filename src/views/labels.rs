//! Where a group's name goes on the graph, as a map-maker would put it: next
//! to its own outline, never over another group's outline, another name or
//! the legend, and tied to its outline by a leader line when it had to move
//! away. Names are placed in priority order (the caller's: selected first,
//! then the strongest); one that fits nowhere is left out rather than put
//! where it would name the wrong group.
//!
//! Pure geometry on screen points, so that it is tested without a renderer.

use egui::{Pos2, Rect, Vec2, pos2, vec2};

/// A name placed for a group.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// The name's plate.
    pub plate: Rect,
    /// The leader line from the plate to its outline, when the plate is not
    /// right against it: (on the plate, on the outline).
    pub leader: Option<(Pos2, Pos2)>,
}

/// Gaps (points) between an outline's bounding box and a name, nearest
/// first; past the first, a leader line ties the name to its outline.
const GAPS: [f32; 6] = [3.0, 12.0, 28.0, 52.0, 84.0, 130.0];

/// A plate farther than this from its outline gets a leader line.
const LEADER_FROM: f32 = 6.0;

/// Whether the convex polygon `hull` (any orientation; one point or two are
/// a point or a segment) and `rect` overlap, by separating axes.
pub fn hull_meets_rect(hull: &[Pos2], rect: Rect) -> bool {
    match hull {
        [] => false,
        [p] => rect.contains(*p),
        _ => {
            let corners = [
                rect.left_top(),
                rect.right_top(),
                rect.right_bottom(),
                rect.left_bottom(),
            ];
            let mut axes: Vec<Vec2> = vec![vec2(1.0, 0.0), vec2(0.0, 1.0)];
            for (i, &p) in hull.iter().enumerate() {
                let q = hull[(i + 1) % hull.len()];
                let d = q - p;
                if d.length_sq() > 1e-9 {
                    axes.push(vec2(-d.y, d.x));
                }
            }
            axes.iter().all(|&axis| {
                let span = |points: &mut dyn Iterator<Item = Pos2>| {
                    points.fold((f32::MAX, f32::MIN), |(lo, hi), p| {
                        let x = p.to_vec2().dot(axis);
                        (lo.min(x), hi.max(x))
                    })
                };
                let (a0, a1) = span(&mut hull.iter().copied());
                let (b0, b1) = span(&mut corners.iter().copied());
                a1 >= b0 && b1 >= a0
            })
        }
    }
}

/// The point of the outline `hull` nearest to `p` (its only point, or on
/// one of its edges).
pub fn nearest_on_hull(hull: &[Pos2], p: Pos2) -> Option<Pos2> {
    match hull {
        [] => None,
        [only] => Some(*only),
        _ => hull
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                let b = hull[(i + 1) % hull.len()];
                let d = b - a;
                let t = if d.length_sq() > 1e-9 {
                    ((p - a).dot(d) / d.length_sq()).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                a + d * t
            })
            .min_by(|x, y| x.distance_sq(p).total_cmp(&y.distance_sq(p))),
    }
}

/// The largest gap (points) between an outline's bounding box and its name.
pub const MAX_GAP: f32 = GAPS[GAPS.len() - 1];

/// The bounding box of an outline (nothing for none).
pub fn bounds(hull: &[Pos2]) -> Rect {
    let mut r = Rect::NOTHING;
    for &p in hull {
        r.extend_with(p);
    }
    r
}

/// Distance between a rectangle and a point outside it (0 inside).
fn gap(rect: Rect, p: Pos2) -> f32 {
    let dx = (rect.left() - p.x).max(p.x - rect.right()).max(0.0);
    let dy = (rect.top() - p.y).max(p.y - rect.bottom()).max(0.0);
    dx.hypot(dy)
}

/// Places a plate of `size` for the outline `own` inside `view`: clear of
/// every outline in `others`, of its own outline, of every rectangle in
/// `taken` (names already placed, the legend). Candidates go round the
/// outline's bounding box — above, below, right, left, then the corners —
/// at growing gaps, so the first that fits is the nearest. `None` when
/// nothing fits within the largest gap.
pub fn place(
    size: Vec2,
    own: &[Pos2],
    others: &[&[Pos2]],
    taken: &[Rect],
    view: Rect,
) -> Option<Placed> {
    if own.is_empty() {
        return None;
    }
    let b = bounds(own);
    let (w, h) = (size.x, size.y);
    let cx = b.center().x;
    let cy = b.center().y;
    for gap_px in GAPS {
        let above = b.top() - gap_px - h;
        let below = b.bottom() + gap_px;
        let right = b.right() + gap_px;
        let left = b.left() - gap_px - w;
        let spots = [
            pos2(cx - w / 2.0, above),
            pos2(cx - w / 2.0, below),
            pos2(right, cy - h / 2.0),
            pos2(left, cy - h / 2.0),
            pos2(b.left(), above),
            pos2(b.right() - w, above),
            pos2(b.left(), below),
            pos2(b.right() - w, below),
            pos2(right, above),
            pos2(left, above),
            pos2(right, below),
            pos2(left, below),
        ];
        for min in spots {
            let plate = Rect::from_min_size(min, size);
            if !view.contains_rect(plate)
                || hull_meets_rect(own, plate)
                || others.iter().any(|hull| hull_meets_rect(hull, plate))
                || taken.iter().any(|r| r.intersects(plate))
            {
                continue;
            }
            let anchor = nearest_on_hull(own, plate.center())?;
            let leader = (gap(plate, anchor) > LEADER_FROM).then(|| (plate.clamp(anchor), anchor));
            return Some(Placed { plate, leader });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, y: f32, side: f32) -> Vec<Pos2> {
        vec![
            pos2(x, y),
            pos2(x + side, y),
            pos2(x + side, y + side),
            pos2(x, y + side),
        ]
    }

    #[test]
    fn a_convex_outline_and_a_rectangle_meet_only_when_they_overlap() {
        let diamond = vec![
            pos2(50.0, 0.0),
            pos2(100.0, 50.0),
            pos2(50.0, 100.0),
            pos2(0.0, 50.0),
        ];
        // Inside the bounding box but outside the diamond (a corner).
        assert!(!hull_meets_rect(
            &diamond,
            Rect::from_min_size(pos2(0.0, 0.0), vec2(20.0, 20.0))
        ));
        assert!(hull_meets_rect(
            &diamond,
            Rect::from_min_size(pos2(40.0, 40.0), vec2(5.0, 5.0))
        ));
        assert!(hull_meets_rect(
            &diamond,
            Rect::from_min_size(pos2(-10.0, 45.0), vec2(200.0, 5.0))
        ));
        assert!(!hull_meets_rect(
            &diamond,
            Rect::from_min_size(pos2(101.0, 0.0), vec2(50.0, 100.0))
        ));
        // A segment and a point.
        let segment = [pos2(0.0, 0.0), pos2(100.0, 100.0)];
        assert!(hull_meets_rect(
            &segment,
            Rect::from_min_size(pos2(45.0, 45.0), vec2(10.0, 10.0))
        ));
        assert!(!hull_meets_rect(
            &segment,
            Rect::from_min_size(pos2(60.0, 10.0), vec2(10.0, 10.0))
        ));
        assert!(hull_meets_rect(
            &[pos2(5.0, 5.0)],
            Rect::from_min_size(pos2(0.0, 0.0), vec2(10.0, 10.0))
        ));
    }

    #[test]
    fn a_name_goes_above_its_outline_when_that_is_free() {
        let own = square(400.0, 400.0, 100.0);
        let view = Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 1000.0));
        let placed = place(vec2(120.0, 18.0), &own, &[], &[], view).unwrap();
        assert!(placed.plate.bottom() <= 400.0 && placed.plate.bottom() >= 390.0);
        assert!((placed.plate.center().x - 450.0).abs() < 0.5);
        assert!(placed.leader.is_none());
    }

    #[test]
    fn a_name_never_lies_over_another_outline_and_a_moved_one_gets_a_leader() {
        // A campaign hemmed in above, below, left and right by others.
        let own = square(400.0, 400.0, 60.0);
        let others = [
            square(380.0, 300.0, 100.0),
            square(380.0, 470.0, 100.0),
            square(250.0, 380.0, 140.0),
            square(470.0, 380.0, 140.0),
        ];
        let refs: Vec<&[Pos2]> = others.iter().map(Vec::as_slice).collect();
        let view = Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 1000.0));
        let size = vec2(150.0, 18.0);
        let placed = place(size, &own, &refs, &[], view).unwrap();
        for hull in &refs {
            assert!(!hull_meets_rect(hull, placed.plate), "{placed:?}");
        }
        assert!(!hull_meets_rect(&own, placed.plate));
        let (on_plate, on_outline) = placed.leader.expect("moved away: a leader line");
        assert!(placed.plate.expand(0.5).contains(on_plate));
        let nearest = nearest_on_hull(&own, on_outline).unwrap();
        assert!(
            nearest.distance(on_outline) < 0.5,
            "the leader ends on its outline"
        );
    }

    #[test]
    fn names_already_placed_and_the_legend_are_kept_clear_and_no_room_means_no_name() {
        let own = square(100.0, 100.0, 50.0);
        let view = Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 300.0));
        let legend = Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 95.0));
        let placed = place(vec2(100.0, 18.0), &own, &[], &[legend], view).unwrap();
        assert!(!placed.plate.intersects(legend));
        // Everything around taken: no name.
        let everything = [Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 300.0))];
        assert!(place(vec2(100.0, 18.0), &own, &[], &everything, view).is_none());
    }
}
