package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// writePlot draws apply and plan seconds against N, ours and the baseline, into a PNG.
func writePlot(r *Report, path string) error {
	p := plot.New()
	p.Title.Text = "terraform-provider-platformer: time vs N (N accounts + N tokens vs 2N terraform_data)"
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text = "N"
	p.Y.Label.Text = "seconds, wall clock (log scale)"
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	blue := color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	orange := color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	const (
		sideOurs = iota
		sideBaseline
		sideRef
	)
	dashed := []vg.Length{vg.Points(5), vg.Points(3)}
	dotted := []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	lines := []struct {
		label, phase string
		side         int
		col          color.Color
		dashes       []vg.Length
		shape        draw.GlyphDrawer
	}{
		{"apply, ours", phaseApply, sideOurs, blue, nil, draw.CircleGlyph{}},
		{"apply, baseline", phaseApply, sideBaseline, blue, dashed, draw.BoxGlyph{}},
		{"apply, ref. baseline", phaseApply, sideRef, blue, dotted, draw.TriangleGlyph{}},
		{"plan, ours", phasePlan, sideOurs, orange, nil, draw.CircleGlyph{}},
		{"plan, baseline", phasePlan, sideBaseline, orange, dashed, draw.BoxGlyph{}},
		{"plan, ref. baseline", phasePlan, sideRef, orange, dotted, draw.TriangleGlyph{}},
	}
	drawn := 0
	for _, l := range lines {
		var pts plotter.XYs
		for _, s := range r.Sizes {
			var ph *phaseResult
			switch l.side {
			case sideOurs:
				ph = s.ours(l.phase)
			case sideBaseline:
				ph = s.baseline(l.phase)
			default:
				ph = s.baselineRef(l.phase)
			}
			if ph == nil || ph.Error != "" || ph.Seconds <= 0 {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(s.N), Y: ph.Seconds})
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", l.label, err)
		}
		line.Color = l.col
		line.Width = vg.Points(1.5)
		line.Dashes = l.dashes
		points.Color = l.col
		points.Shape = l.shape
		points.Radius = vg.Points(3)
		p.Add(line, points)
		p.Legend.Add(l.label, line, points)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("nothing to plot")
	}
	// N spans a decade or more: log scale, ticks at the sizes measured.
	var ticks []plot.Tick
	minN, maxN := float64(r.Sizes[0].N), float64(r.Sizes[0].N)
	for _, s := range r.Sizes {
		ticks = append(ticks, plot.Tick{Value: float64(s.N), Label: fmt.Sprint(s.N)})
		minN, maxN = min(minN, float64(s.N)), max(maxN, float64(s.N))
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = minN/1.25, maxN*1.25
	p.X.Label.Text = "N (log scale)"
	// Seconds span three decades too.
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}
