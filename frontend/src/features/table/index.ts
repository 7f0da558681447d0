// The analyst's table as the app sees it: its page.
export { TablePage } from './TablePage';
