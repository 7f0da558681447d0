// The keyboard shortcuts of the shell, as the help overlay and the menus show
// them. useGlobalShortcuts implements the same list.
import type { KbdJoin } from '../components/ui/Kbd';
import { ROUTES } from './routes';

export interface ShortcutDef {
  keys: readonly string[];
  /** join: 'plus' (together, the default), 'then' (one after another) or 'or' (either). */
  join?: KbdJoin;
  description: string;
}

export interface ShortcutGroup {
  title: string;
  shortcuts: readonly ShortcutDef[];
}

export const SHORTCUT_KEYS = {
  help: ['?'],
  theme: ['Ctrl', 'Shift', 'L'],
  navigator: ['Ctrl', 'B'],
} as const;

export const SHORTCUT_GROUPS: readonly ShortcutGroup[] = [
  {
    title: 'General',
    shortcuts: [
      { keys: SHORTCUT_KEYS.help, description: 'Show keyboard shortcuts' },
      { keys: SHORTCUT_KEYS.theme, description: 'Switch between light and dark theme' },
      { keys: SHORTCUT_KEYS.navigator, description: 'Show or hide the navigator' },
      { keys: ['Esc'], description: 'Close a menu or dialog' },
    ],
  },
  {
    title: 'Go to',
    shortcuts: ROUTES.map((r) => ({
      keys: ['G', r.goKey.toUpperCase()],
      join: 'then',
      description: r.label,
    })),
  },
  {
    title: 'Cases',
    shortcuts: [
      { keys: ['/'], description: 'Filter by subject code' },
      { keys: ['↑', '↓'], join: 'or', description: 'Move between cases' },
      { keys: ['Enter'], description: 'Open the case' },
      { keys: ['N'], description: 'New case' },
      { keys: ['U'], description: 'Upload files into the open case' },
      { keys: ['R'], description: 'Reload the list' },
      { keys: ['Esc'], description: 'Close the case' },
    ],
  },
  {
    title: 'Viewer',
    shortcuts: [
      { keys: ['+', '−'], join: 'or', description: 'Zoom in or out' },
      { keys: ['0'], description: 'Fit the image' },
      { keys: ['1'], description: 'Actual pixels (100%)' },
      { keys: ['←', '→', '↑', '↓'], join: 'or', description: 'Pan (Shift: further)' },
      { keys: ['Space'], description: 'Hold and drag to pan' },
      { keys: ['N'], description: 'Next most uncertain region' },
      { keys: ['U'], description: 'Show or hide the uncertainty map' },
      { keys: ['D'], description: 'Show or hide the cone density map' },
      { keys: ['O'], description: 'Show or hide the Voronoi cells (coloured by sides)' },
      { keys: ['F'], description: 'Show or hide the nerve-fibre orientation' },
    ],
  },
  {
    title: 'Annotation',
    shortcuts: [
      { keys: ['H'], description: 'Pan tool' },
      { keys: ['V'], description: 'Select (drag a box; Shift adds)' },
      { keys: ['P'], description: 'Cone marks: click adds, drag moves, Alt+click deletes' },
      { keys: ['L'], description: 'Vessel line (Enter or double-click ends)' },
      { keys: ['R'], description: 'Region polygon (click the first point to close)' },
      { keys: ['B'], description: 'Brush' },
      { keys: ['E'], description: 'Eraser' },
      { keys: ['[', ']'], join: 'or', description: 'Smaller or larger brush' },
      { keys: ['Delete'], description: 'Delete the selection' },
      { keys: ['Ctrl', 'A'], description: 'Select all' },
      { keys: ['Ctrl', 'Z'], description: 'Undo' },
      { keys: ['Ctrl', 'Shift', 'Z'], description: 'Redo' },
      { keys: ['Esc'], description: 'Cancel the current shape, or clear the selection' },
    ],
  },
  {
    title: 'Menus',
    shortcuts: [
      { keys: ['F10'], description: 'Move focus to the menu bar' },
      { keys: ['Alt', 'F'], description: 'Open the File menu' },
      { keys: ['Alt', 'V'], description: 'Open the View menu' },
      { keys: ['Alt', 'H'], description: 'Open the Help menu' },
      { keys: ['←', '→'], join: 'or', description: 'Move between menus' },
      { keys: ['↑', '↓'], join: 'or', description: 'Move between menu items' },
      { keys: ['Enter'], description: 'Choose the highlighted item' },
    ],
  },
];
