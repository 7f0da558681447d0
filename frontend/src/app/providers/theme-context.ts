import { createContext, useContext } from 'react';

export type Theme = 'light' | 'dark';

export interface ThemeContextValue {
  theme: Theme;
  setTheme(t: Theme): void;
  toggleTheme(): void;
}

export const ThemeContext = createContext<ThemeContextValue | null>(null);

/** useTheme returns the current theme and its setters. */
export function useTheme(): ThemeContextValue {
  const v = useContext(ThemeContext);
  if (v === null) throw new Error('useTheme outside ThemeProvider');
  return v;
}

export const THEME_STORAGE_KEY = 'aomas.theme';

/** initialTheme is the stored choice, else the OS preference, else light. */
export function initialTheme(): Theme {
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    if (stored === 'light' || stored === 'dark') return stored;
  } catch {
    // storage may be disabled; fall through
  }
  if (typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches) {
    return 'dark';
  }
  return 'light';
}

/** applyTheme sets the theme on <html>, where the CSS variables key off it. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}
