import { describe, expect, it } from 'vitest';
import { landingPage, mayUse, visiblePages } from './access';
import { ROUTES } from './routes';

// What the default policy grants each built-in role, as me.rootFields answers (rbac/policy.go).
const PUBLIC = ['Query.health', 'Query.version', 'Query.me', 'Subscription.healthChanged'];
const DATA = ['Query.node', 'Query.case', 'Query.cases', 'Query.volume', 'Query.run', 'Query.runs', 'Query.label'];
const GRANTS: Record<string, string[]> = {
  admin: [...PUBLIC, ...DATA, 'Query.metrics', 'Query.models', 'Query.queues', 'Query.workers', 'Query.roles', 'Query.auditLog', 'Mutation.uploadVolume'],
  ml_engineer: [...PUBLIC, ...DATA, 'Query.metrics', 'Query.models', 'Query.queues', 'Query.workers', 'Mutation.startRun'],
  researcher: [...PUBLIC, ...DATA, 'Query.metrics', 'Query.models', 'Mutation.startRun'],
  tech: [...PUBLIC, ...DATA, 'Query.metrics', 'Mutation.createCase', 'Mutation.uploadVolume', 'Mutation.startRun'],
  labeler: [...PUBLIC, ...DATA, 'Mutation.saveLabel', 'Mutation.submitLabel'],
  scanner: ['Query.me', 'Mutation.createCase', 'Mutation.uploadVolume', 'Mutation.requestVolumeUpload'],
};

function pagesOf(role: string): string[] {
  return visiblePages(ROUTES, new Set(GRANTS[role])).map((r) => r.id);
}

describe('navigation by role', () => {
  it('offers each role only the pages it may use', () => {
    expect(pagesOf('admin')).toEqual(['system', 'cases', 'runs', 'viewer', 'models', 'admin']);
    expect(pagesOf('ml_engineer')).toEqual(['system', 'cases', 'runs', 'viewer', 'models']);
    expect(pagesOf('researcher')).toEqual(['cases', 'runs', 'viewer', 'models']);
    expect(pagesOf('tech')).toEqual(['cases', 'runs', 'viewer']);
    expect(pagesOf('labeler')).toEqual(['cases', 'runs', 'viewer']);
    expect(pagesOf('scanner')).toEqual(['upload']);
  });

  it('lands each role where its work is', () => {
    const land = (roles: string[]) => landingPage(roles, visiblePages(ROUTES, new Set(roles.flatMap((r) => GRANTS[r]!))).map((r) => r.id));
    expect(land(['admin'])).toBe('system');
    expect(land(['ml_engineer'])).toBe('models');
    expect(land(['researcher'])).toBe('runs');
    expect(land(['tech'])).toBe('cases');
    expect(land(['labeler'])).toBe('cases');
    expect(land(['scanner'])).toBe('upload');
    // Several roles: the most powerful decides, whatever order the server lists them in.
    expect(land(['labeler', 'researcher'])).toBe('runs');
    // A role that is not built in lands on its first page; no page at all: null.
    expect(landingPage(['auditor'], ['runs', 'cases'])).toBe('runs');
    expect(landingPage(['labeler'], [])).toBeNull();
  });

  it('prefers My work for labelers when that page exists', () => {
    expect(landingPage(['labeler'], ['cases', 'work'])).toBe('work');
  });

  it('follows an edited role: a page goes when its root field is taken away', () => {
    const fields = new Set(GRANTS.researcher!.filter((f) => f !== 'Query.models'));
    expect(visiblePages(ROUTES, fields).map((r) => r.id)).not.toContain('models');
  });

  it('reads needs: any one field, and none of unless', () => {
    const needs = { any: ['Mutation.uploadVolume'], unless: ['Query.cases'] };
    expect(mayUse(needs, new Set(['Mutation.uploadVolume']))).toBe(true);
    expect(mayUse(needs, new Set(['Mutation.uploadVolume', 'Query.cases']))).toBe(false);
    expect(mayUse(needs, new Set())).toBe(false);
    expect(mayUse(undefined, new Set())).toBe(true);
  });
});
