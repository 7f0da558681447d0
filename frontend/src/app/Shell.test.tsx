import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { staticSource } from '../test/fixtures';
import { App } from './App';

function renderApp() {
  const user = userEvent.setup();
  render(<App healthSource={staticSource()} gate={false} />);
  return user;
}

const menuButton = (name: string) => screen.getByRole('menuitem', { name });

describe('menu bar', () => {
  it('opens a menu on click and closes it on Escape, returning focus', async () => {
    const user = renderApp();
    await user.click(menuButton('File'));
    const menu = screen.getByRole('menu', { name: 'File' });
    expect(menuButton('File')).toHaveAttribute('aria-expanded', 'true');
    expect(within(menu).getByRole('menuitem', { name: 'Upload volume…' })).toHaveAttribute('aria-disabled', 'true');

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(menuButton('File')).toHaveFocus();
    expect(menuButton('File')).toHaveAttribute('aria-expanded', 'false');
  });

  it('closes on a click elsewhere', async () => {
    const user = renderApp();
    await user.click(menuButton('Help'));
    expect(screen.getByRole('menu', { name: 'Help' })).toBeInTheDocument();
    await user.click(screen.getByRole('heading', { level: 1 }));
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
  });

  it('is driven by the keyboard: F10, arrows, Enter, Escape', async () => {
    const user = renderApp();
    await user.keyboard('{F10}');
    expect(menuButton('File')).toHaveFocus();

    await user.keyboard('{ArrowDown}');
    let menu = screen.getByRole('menu', { name: 'File' });
    // The disabled first item is skipped.
    expect(within(menu).getByRole('menuitem', { name: 'Refresh service status' })).toHaveFocus();

    await user.keyboard('{ArrowRight}');
    menu = screen.getByRole('menu', { name: 'View' });
    expect(within(menu).getByRole('menuitemcheckbox', { name: /Dark theme/ })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(within(menu).getByRole('menuitemcheckbox', { name: /Navigator/ })).toHaveFocus();
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(within(menu).getByRole('menuitem', { name: /Go to Admin/ })).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(menuButton('View')).toHaveFocus();

    await user.keyboard('{ArrowLeft}');
    expect(menuButton('File')).toHaveFocus();
    await user.keyboard('{ArrowLeft}');
    expect(menuButton('Help')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(screen.getByRole('menu', { name: 'Help' })).toBeInTheDocument();
    await user.keyboard('{Enter}'); // Keyboard shortcuts
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
  });

  it('opens a menu with Alt+mnemonic', async () => {
    const user = renderApp();
    await user.keyboard('{Alt>}v{/Alt}');
    expect(screen.getByRole('menu', { name: 'View' })).toBeInTheDocument();
    await user.keyboard('{Tab}');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
  });
});

describe('theme', () => {
  it('toggles from the View menu and with Ctrl+Shift+L, and is remembered', async () => {
    const user = renderApp();
    expect(document.documentElement.dataset.theme).toBe('light');

    await user.click(menuButton('View'));
    const item = screen.getByRole('menuitemcheckbox', { name: /Dark theme/ });
    expect(item).toHaveAttribute('aria-checked', 'false');
    await user.click(item);
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(window.localStorage.getItem('aomas.theme')).toBe('dark');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();

    await user.click(menuButton('View'));
    expect(screen.getByRole('menuitemcheckbox', { name: /Dark theme/ })).toHaveAttribute('aria-checked', 'true');
    await user.keyboard('{Escape}');

    await user.keyboard('{Control>}{Shift>}L{/Shift}{/Control}');
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(window.localStorage.getItem('aomas.theme')).toBe('light');
  });
});

describe('shortcut overlay', () => {
  it('opens on ? and closes on Escape', async () => {
    const user = renderApp();
    await user.keyboard('?');
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(dialog).getByText('Switch between light and dark theme')).toBeInTheDocument();
    expect(within(dialog).getByText('Show keyboard shortcuts')).toBeInTheDocument();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('does not steal ? from a text field', () => {
    renderApp();
    const input = document.createElement('input');
    document.body.appendChild(input);
    input.focus();
    fireEvent.keyDown(input, { key: '?' });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    input.remove();
  });

  it('opens About from the Help menu, with the server build', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        new Response(JSON.stringify({ data: { version: { version: 'v1.2.3', commit: 'abcdef0123456789', goVersion: 'go1.25' } } }), {
          headers: { 'Content-Type': 'application/json' },
        }),
      ),
    );
    const user = renderApp();
    await user.click(menuButton('Help'));
    await user.click(screen.getByRole('menuitem', { name: 'About aomas' }));
    expect(screen.getByRole('dialog', { name: 'About aomas' })).toBeInTheDocument();
    expect(await screen.findByText(/v1\.2\.3/)).toBeInTheDocument();
    expect(screen.getByTestId('about-server')).toHaveTextContent('v1.2.3 (abcdef012345, go1.25)');
    vi.unstubAllGlobals();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});

describe('navigator', () => {
  it('shows the system dashboard first and honest empty states elsewhere', async () => {
    const user = renderApp();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('System');
    expect(await screen.findByText('All services operational')).toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Admin' }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Admin');
    expect(screen.getByRole('tab', { name: 'Audit log' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Admin' })).toHaveAttribute('aria-current', 'page');

    await user.keyboard('gm');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Models');
    expect(window.location.hash).toBe('#/models');
  });

  it('hides and shows with Ctrl+B', async () => {
    const user = renderApp();
    expect(screen.getByRole('navigation', { name: 'Navigator' })).toBeInTheDocument();
    await user.keyboard('{Control>}b{/Control}');
    expect(screen.queryByRole('navigation', { name: 'Navigator' })).not.toBeInTheDocument();
    await user.keyboard('{Control>}b{/Control}');
    expect(screen.getByRole('navigation', { name: 'Navigator' })).toBeInTheDocument();
  });
});
