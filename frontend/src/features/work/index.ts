// The work-queue feature as the app sees it: its page.
export { MyWorkPage } from './MyWorkPage';
