package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// The charts are drawn on the server as inline SVG: no script, readable
// without images through their <title> and <desc>, and each page shows the
// same figures in a table beside the chart.

// Colours per segment; each has a contrast of at least 4.5:1 on white.
var segmentColours = [3]string{"#1d5c8c", "#9a4a00", "#2a6e2f"}

// bar is one bar of a chart.
type bar struct {
	Label  string
	Value  float64 // in the chart's unit
	Text   string  // the value as shown ("42%", "<10")
	Ref    float64 // a reference value (the study's figure); < 0 for none
	Hidden bool    // suppressed: no bar drawn
	Colour string  // "" = default
}

// suppressedNote is written in a suppressed bar's place.
const suppressedNote = "niet getoond: te weinig gesprekken"

func esc(s string) string { return html.EscapeString(s) }

func svgOpen(b *strings.Builder, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, w, h, w, h, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
}

// hbars draws horizontal bars scaled to max, with an optional reference
// mark per bar.
func hbars(id, title, desc string, bars []bar, max float64, refLabel string) template.HTML {
	const labelW, barW, rowH, textW = 230, 330, 30, 90
	w := labelW + barW + textW
	h := rowH*len(bars) + 16
	if refLabel != "" {
		h += 24
	}
	if max <= 0 {
		max = 1
	}
	var b strings.Builder
	svgOpen(&b, id, title, desc, w, h)
	for i, br := range bars {
		y := 8 + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl" text-anchor="end">%s</text>`, labelW-8, y+19, esc(br.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" class="track"/>`, labelW, y+3, barW)
		colour := br.Colour
		if colour == "" {
			colour = segmentColours[0]
		}
		if !br.Hidden {
			bw := int(float64(barW) * clamp(br.Value/max))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" fill="%s"/>`, labelW, y+3, bw, colour)
		} else {
			// Not an empty bar, which reads as 0%: a marked track that
			// says why there is no figure.
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" class="suppressed"/>`, labelW, y+3, barW)
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl">%s</text>`, labelW+8, y+19, esc(suppressedNote))
		}
		if br.Ref >= 0 {
			x := labelW + int(float64(barW)*clamp(br.Ref/max))
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="ref"/>`, x, y, x, y+28)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="val">%s</text>`, labelW+barW+8, y+19, esc(br.Text))
	}
	if refLabel != "" {
		y := h - 10
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="ref"/>`, labelW, y-10, labelW, y+4)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl">%s</text>`, labelW+8, y, esc(refLabel))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// columns draws one column per bar (a time series), labelling every
// label-th column.
func columns(id, title, desc string, bars []bar, max float64) template.HTML {
	const left, bottom, top, plotH = 44, 40, 12, 180
	colW := 28
	if len(bars) > 20 {
		colW = 560 / len(bars)
		if colW < 6 {
			colW = 6
		}
	}
	w := left + colW*len(bars) + 16
	if w < 320 {
		w = 320
	}
	h := top + plotH + bottom
	if max <= 0 {
		max = 1
	}
	every := 1 + len(bars)/10
	var b strings.Builder
	svgOpen(&b, id, title, desc, w, h)
	for _, f := range []float64{0, 0.5, 1} {
		y := top + plotH - int(plotH*f)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="grid"/>`, left, y, w-8, y)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl" text-anchor="end">%s</text>`, left-6, y+5, esc(fmt.Sprintf("%.0f", max*f)))
	}
	for i, br := range bars {
		x := left + i*colW
		if !br.Hidden {
			ch := int(plotH * clamp(br.Value/max))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %s</title></rect>`,
				x+1, top+plotH-ch, colW-2, ch, segmentColours[0], esc(br.Label), esc(br.Text))
		} else {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="4" class="hidden"><title>%s: %s</title></rect>`,
				x+1, top+plotH-4, colW-2, esc(br.Label), esc(br.Text))
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl small" text-anchor="start">%s</text>`, x, top+plotH+16, esc(shortDay(br.Label)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// posteriorChart draws the chance of each segment after each answer, from
// the study's prior at answer 0.
func posteriorChart(id string, prior [3]float64, after [][3]float64) template.HTML {
	const left, top, plotW, plotH, bottom = 40, 10, 300, 120, 46
	w, h := left+plotW+20, top+plotH+bottom
	n := len(after)
	var b strings.Builder
	svgOpen(&b, id, "Kans per segment na elk antwoord",
		fmt.Sprintf("Lijnen voor de drie segmenten over %d antwoorden, beginnend bij de verdeling van de studie. De tabel hieronder geeft dezelfde cijfers.", n), w, h)
	for _, f := range []float64{0, 0.5, 1} {
		y := top + plotH - int(plotH*f)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="grid"/>`, left, y, left+plotW, y)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl small" text-anchor="end">%.0f%%</text>`, left-4, y+4, f*100)
	}
	points := append([][3]float64{prior}, after...)
	step := float64(plotW)
	if len(points) > 1 {
		step = float64(plotW) / float64(len(points)-1)
	}
	dash := [3]string{"", ` stroke-dasharray="6 3"`, ` stroke-dasharray="2 3"`}
	for s := 0; s < 3; s++ {
		var pts []string
		for i, p := range points {
			x := float64(left) + step*float64(i)
			y := float64(top+plotH) - float64(plotH)*clamp(p[s])
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`, strings.Join(pts, " "), segmentColours[s], dash[s])
	}
	for s := 0; s < 3; s++ {
		x := left + s*105
		y := top + plotH + 34
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"%s/>`, x, y-4, x+20, y-4, segmentColours[s], dash[s])
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl small">Segment %d</text>`, x+24, y, s+1)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl small">start</text>`, left, top+plotH+14)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="lbl small" text-anchor="end">antwoord %d</text>`, left+plotW, top+plotH+14, n)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func clamp(f float64) float64 {
	switch {
	case f < 0 || f != f:
		return 0
	case f > 1:
		return 1
	}
	return f
}

// shortDay turns 2026-11-02 into 2-11.
func shortDay(day string) string {
	if len(day) != 10 {
		return day
	}
	d, m := strings.TrimPrefix(day[8:], "0"), strings.TrimPrefix(day[5:7], "0")
	return d + "-" + m
}
