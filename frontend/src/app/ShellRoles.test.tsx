import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionContext } from '../features/session';
import type { Viewer } from '../graphql/operations/session';
import { staticSource } from '../test/fixtures';
import { App } from './App';

function viewer(roles: string[], rootFields: string[]): Viewer {
  return {
    user: { id: 'VXNlcjox', displayName: 'Demo' },
    project: 'default',
    roles,
    method: 'session',
    projects: ['default'],
    rootFields: ['Query.health', 'Query.me', 'Query.version', ...rootFields],
  };
}

function renderAs(v: Viewer) {
  render(
    <SessionContext.Provider value={{ viewer: v, signOut: () => {} }}>
      <App healthSource={staticSource()} gate={false} />
    </SessionContext.Provider>,
  );
}

const SCANNER = viewer(['scanner'], ['Mutation.createCase', 'Mutation.uploadVolume', 'Mutation.requestVolumeUpload']);

describe('the shell by role', () => {
  afterEach(() => {
    window.location.hash = '';
  });

  it('lands a scanner on the upload page and offers nothing else', () => {
    renderAs(SCANNER);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Upload');
    expect(screen.getByTestId('scanner-upload')).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Navigator' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Upload']);
  });

  it('shows a scanner who opens Cases by its address a way to its work, not a refusal', () => {
    window.location.hash = '#/cases';
    renderAs(SCANNER);
    const note = screen.getByTestId('not-yours');
    expect(note).toHaveTextContent('Cases is not part of your role (scanner)');
    expect(within(note).getByRole('link', { name: 'Upload' })).toHaveAttribute('href', '#/upload');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/not allowed/)).toBeNull();
  });

  it('lands a researcher on Runs without System or Admin', () => {
    renderAs(viewer(['researcher'], ['Query.cases', 'Query.runs', 'Query.volume', 'Query.metrics', 'Query.models']));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Runs');
    const nav = screen.getByRole('navigation', { name: 'Navigator' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Cases', 'Runs', 'Viewer', 'Models']);
  });
});
