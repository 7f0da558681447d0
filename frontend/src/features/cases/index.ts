// The cases feature as the app sees it: its page.
export { CasesPage } from './CasesPage';
