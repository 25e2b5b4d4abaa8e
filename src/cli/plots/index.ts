/** PNG plots for the CLI: pure functions from plain arrays to PNG bytes (no flow or model knowledge). */
export { densityPlot, DENSITY_PLOT_SIZE, type DensityGrid, type DensityPlotOptions } from './density-plot.ts';
export { encodePng } from './encode-png.ts';
export { fanChartPlot, forecastBands, type FanChartPlotOptions, type FanChartSeries } from './fan-chart-plot.ts';
export { histogram, type HistogramBin } from './histogram.ts';
export { lossCurvePlot, LOSS_CURVE_PLOT_SIZE, type LossCurvePlotOptions } from './loss-curve-plot.ts';
export { normalQuantile } from './normal-quantile.ts';
export { pairPlot, pairPlotSize, type PairPlotOptions } from './pair-plot.ts';
export type { PlotImage, PlotMatrix } from './plot-image.ts';
export { qqPlot, qqPlotSize, qqPoints, QQ_PANEL_SIZE, type QqPlotOptions } from './qq-plot.ts';
export { renderPng, type RenderPngOptions } from './render-png.ts';
export { sequencePathsPlot, SEQUENCE_PATHS_PLOT_SIZE, type SequencePathsPlotOptions } from './sequence-paths-plot.ts';
