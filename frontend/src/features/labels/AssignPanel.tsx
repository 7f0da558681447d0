// Assigning a volume to a labeler of the project (technicians): the volume then waits in
// that labeler's "My work" and no one else's.
import { useEffect, useState } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { AssignVolumeMutation, LabelersQuery } from '../../graphql/generated';
import { ASSIGN_VOLUME_MUTATION, LABELERS_QUERY } from '../../graphql/operations/work';

type Person = { id: string; displayName: string };

/** personName is how a person reads in a list: their name, else their account number. */
export function personName(p: Person): string {
  return p.displayName.trim() || `account ${p.id.slice(-4)}`;
}

export function AssignPanel({ volumeId, assignee }: { volumeId: string; assignee: Person | null }) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [current, setCurrent] = useState<Person | null>(assignee);
  const [choice, setChoice] = useState(assignee?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    request<LabelersQuery>(LABELERS_QUERY, {}, { signal: ac.signal })
      .then((d) => setPeople(d.labelers))
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setProblem(errorText(err));
      });
    return () => ac.abort();
  }, []);

  const assign = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const d = await request<AssignVolumeMutation>(ASSIGN_VOLUME_MUTATION, { volumeId, userId: choice || null });
      setCurrent(d.assignVolume.assignee ?? null);
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="label-panel__assign" data-testid="assign-panel">
      <label>
        Assigned to{' '}
        <select aria-label="Labeler" value={choice} onChange={(e) => setChoice(e.target.value)} disabled={!people || busy}>
          <option value="">nobody (any labeler)</option>
          {(people ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {personName(p)}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" className="button button--small" disabled={busy || choice === (current?.id ?? '')} onClick={() => void assign()}>
        Assign
      </button>
      <span data-testid="assignee" data-assignee={current?.id ?? ''}>
        {' '}
        {current ? `now: ${personName(current)}` : 'now: nobody'}
      </span>
      {problem && <ErrorNote>{problem}</ErrorNote>}
    </div>
  );
}
