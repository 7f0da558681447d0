// The runs feature as the app sees it: its page, and the histogram chart the registry reuses.
export { RunsPage } from './RunsPage';
export { HistogramChart } from './ResultsCharts';
