// The models feature as the app sees it: its page.
export { ModelsPage } from './ModelsPage';
