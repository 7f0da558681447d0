// The runs feature as the app sees it: its page.
export { RunsPage } from './RunsPage';
