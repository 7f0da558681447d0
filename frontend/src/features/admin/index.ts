// The admin feature as the app sees it: its page.
export { AdminPage } from './AdminPage';
