//! Hand-written SVG line charts with axes, ticks, units and a legend — no font or plotting
//! library, so the report is one self-contained file that opens anywhere.

use std::fmt::Write as _;

use super::escape;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 64.0;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line {
    label: String,
    color: &'static str,
    points: Vec<(f64, f64)>,
    dashed: bool,
    area: bool,
}

impl Line {
    /// A solid line.
    pub fn new(label: &str, color: &'static str, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            color,
            points,
            dashed: false,
            area: false,
        }
    }

    /// Shades the area under the line (a level such as ready replicas, or on/off states).
    #[must_use]
    pub fn area(mut self) -> Self {
        self.area = true;
        self
    }

    /// Draws the line dashed (references such as an SLO or the oracle's need).
    #[must_use]
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// A chart over virtual minutes.
#[derive(Debug, Clone)]
pub struct Chart {
    title: String,
    unit: String,
    x_max: f64,
    lines: Vec<Line>,
    whole: bool,
}

impl Chart {
    /// A chart with a title, a y-axis unit and the x-axis end in minutes.
    pub fn new(title: &str, unit: &str, x_max: f64) -> Self {
        Self {
            title: title.into(),
            unit: unit.into(),
            x_max: x_max.max(1.0),
            lines: Vec::new(),
            whole: false,
        }
    }

    /// Counts things that come whole (pods): the y-axis ticks are whole numbers.
    #[must_use]
    pub fn whole_numbers(mut self) -> Self {
        self.whole = true;
        self
    }

    /// Adds a line.
    #[must_use]
    pub fn line(mut self, line: Line) -> Self {
        self.lines.push(line);
        self
    }

    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let highest = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .filter(|y| y.is_finite())
            .fold(0.0, f64::max);
        let mut y_max = nice_ceiling(highest);
        if self.whole && (y_max / 4.0).fract() != 0.0 {
            // Four intervals of whole numbers: 3 pods → 0..4, 9 → 0..12.
            y_max = (highest / 4.0).ceil().max(1.0) * 4.0;
        }
        let (use_hours, x_end) = if self.x_max > 360.0 {
            (true, self.x_max / 60.0)
        } else {
            (false, self.x_max)
        };
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let sx =
            |x: f64| LEFT + plot_w * (if use_hours { x / 60.0 } else { x } / x_end).clamp(0.0, 1.0);
        let sy = |y: f64| TOP + plot_h * (1.0 - (y / y_max).clamp(0.0, 1.05));
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' font-size='11'>\
             <text x='{LEFT}' y='18' font-size='13' font-weight='bold'>{}</text>",
            escape(&self.title)
        );
        for i in 0..=4 {
            let value = y_max * f64::from(i) / 4.0;
            let y = sy(value);
            let _ = write!(
                svg,
                "<line x1='{LEFT}' x2='{}' y1='{y:.1}' y2='{y:.1}' stroke='#eee'/>\
                 <text x='{}' y='{:.1}' text-anchor='end'>{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                format_tick(value)
            );
        }
        let x_step = nice_step(x_end / 6.0);
        let mut x = 0.0;
        while x <= x_end + 1e-9 {
            let px = LEFT + plot_w * x / x_end;
            let _ = write!(
                svg,
                "<line x1='{px:.1}' x2='{px:.1}' y1='{TOP}' y2='{:.1}' stroke='#eee'/>\
                 <text x='{px:.1}' y='{:.1}' text-anchor='middle'>{}</text>",
                TOP + plot_h,
                TOP + plot_h + 14.0,
                format_tick(x)
            );
            x += x_step;
        }
        let _ = write!(
            svg,
            "<rect x='{LEFT}' y='{TOP}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#999'/>\
             <text x='{:.1}' y='{:.1}' text-anchor='middle'>time ({})</text>\
             <text transform='translate(14 {:.1}) rotate(-90)' text-anchor='middle'>{}</text>",
            LEFT + plot_w / 2.0,
            TOP + plot_h + 30.0,
            if use_hours { "hours" } else { "minutes" },
            TOP + plot_h / 2.0,
            escape(&self.unit)
        );
        let mut legend_x = LEFT;
        for line in &self.lines {
            // A value that is not a number breaks the line rather than the drawing.
            let mut path = String::new();
            let mut pen_down = false;
            for &(x, y) in &line.points {
                if !(x.is_finite() && y.is_finite()) {
                    pen_down = false;
                    continue;
                }
                let _ = write!(
                    path,
                    "{}{:.1},{:.1}",
                    if pen_down { "L" } else { "M" },
                    sx(x),
                    sy(y)
                );
                pen_down = true;
            }
            let finite = || {
                line.points
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
            };
            if let (true, Some(first), Some(last)) =
                (line.area, finite().next(), finite().next_back())
            {
                let base = sy(0.0);
                let _ = write!(
                    svg,
                    "<path d='{path}L{:.1},{base:.1}L{:.1},{base:.1}Z' fill='{}' \
                     fill-opacity='0.18' stroke='none'/>",
                    sx(last.0),
                    sx(first.0),
                    line.color
                );
            }
            let dash = if line.dashed {
                " stroke-dasharray='5 4'"
            } else {
                ""
            };
            let _ = write!(
                svg,
                "<path d='{path}' fill='none' stroke='{}' stroke-width='1.5'{dash}/>\
                 <line x1='{legend_x:.1}' x2='{:.1}' y1='{:.1}' y2='{:.1}' stroke='{}' stroke-width='3'{dash}/>\
                 <text x='{:.1}' y='{:.1}'>{}</text>",
                line.color,
                legend_x + 18.0,
                HEIGHT - 12.0,
                HEIGHT - 12.0,
                line.color,
                legend_x + 22.0,
                HEIGHT - 8.0,
                escape(&line.label)
            );
            legend_x += 34.0 + 6.5 * line.label.len() as f64;
        }
        svg.push_str("</svg>");
        svg
    }
}

/// The smallest "nice" number (1, 2, 2.5, 5 × 10^k) at or above `value`.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&v| v >= value - 1e-12)
        .unwrap_or(10.0 * magnitude)
}

fn nice_step(raw: f64) -> f64 {
    nice_ceiling(raw.max(1e-9))
}

/// A tick label: ticks are quarters of a nice number, so three decimals always suffice
/// (`3.75`, `0.125`), and trailing zeros go.
fn format_tick(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{Chart, Line, format_tick, nice_ceiling};

    #[test]
    fn axes_end_on_round_numbers() {
        for (value, ceiling) in [(0.0, 1.0), (7.3, 10.0), (180.0, 200.0), (0.22, 0.25)] {
            let got = nice_ceiling(value);
            assert!((got - ceiling).abs() < 1e-12, "{value}: {got}");
        }
    }

    #[test]
    fn pod_axes_tick_whole_numbers() {
        for (highest, top) in [(3.0, "4"), (9.0, "12"), (20.0, "20"), (0.0, "4")] {
            let svg = Chart::new("Replicas", "pods", 60.0)
                .whole_numbers()
                .line(Line::new("ready", "#000", vec![(1.0, highest)]))
                .render();
            let labels: Vec<&str> = svg
                .split("text-anchor='end'>")
                .skip(1)
                .map(|t| t.split('<').next().unwrap())
                .collect();
            assert_eq!(labels.len(), 5, "{svg}");
            assert!(labels.iter().all(|l| !l.contains('.')), "{labels:?}");
            assert_eq!(labels[4], top, "{labels:?}");
        }
    }

    #[test]
    fn tick_labels_keep_the_digits_that_matter() {
        for (value, label) in [
            (0.0, "0"),
            (3.75, "3.75"),
            (1.25, "1.25"),
            (0.125, "0.125"),
            (2.5, "2.5"),
            (40.0, "40"),
            (1250.0, "1250"),
        ] {
            assert_eq!(format_tick(value), label);
        }
    }

    #[test]
    fn values_that_are_not_numbers_break_the_line_not_the_drawing() {
        let svg = Chart::new("Latency", "seconds", 10.0)
            .line(
                Line::new(
                    "p95",
                    "#000",
                    vec![
                        (1.0, 0.5),
                        (2.0, f64::NAN),
                        (3.0, f64::INFINITY),
                        (4.0, 1.0),
                    ],
                )
                .area(),
            )
            .render();
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        // Two pieces: the line lifts its pen over the gap and puts it down again.
        let line = svg
            .split("<path d='")
            .nth(2)
            .and_then(|p| p.split('\'').next())
            .unwrap();
        assert_eq!(line.matches('M').count(), 2, "{line}");
        assert!(svg.contains("fill-opacity"), "the area is shaded");
    }

    #[test]
    fn charts_carry_title_unit_and_legend() {
        let svg = Chart::new("Replicas", "pods", 120.0)
            .line(Line::new("ready", "#2ca02c", vec![(0.0, 1.0), (60.0, 3.0)]))
            .line(Line::new("needed <oracle>", "#777", vec![(0.0, 2.0)]).dashed())
            .render();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        for needle in [
            "Replicas",
            ">pods<",
            "time (minutes)",
            ">ready<",
            "needed &lt;oracle&gt;",
            "stroke-dasharray",
        ] {
            assert!(svg.contains(needle), "{needle}");
        }
    }
}
