// The model registry (read-only here): every model with its versions, stage and weights
// digest. Promotion and evaluations come with the model-lifecycle work.
import { useEffect, useState } from 'react';
import { DataTable } from '../../components/ui/DataTable';
import { EmptyState } from '../../components/ui/EmptyState';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { ModelsIcon } from '../../components/ui/icons';
import { GraphQLRequestError, request } from '../../graphql/client';
import type { ModelsQuery } from '../../graphql/generated';
import { MODELS_QUERY, type RegistryModel } from '../../graphql/operations/models';

export function ModelsPage() {
  const [models, setModels] = useState<RegistryModel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    request<ModelsQuery>(MODELS_QUERY, undefined, { signal: ac.signal })
      .then((d) => setModels(d.models))
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        setError(
          err instanceof GraphQLRequestError && err.code === 'FORBIDDEN'
            ? 'The model registry is for ML engineers, researchers and admins.'
            : err instanceof Error
              ? err.message
              : String(err),
        );
      });
    return () => ac.abort();
  }, []);

  if (error) {
    return (
      <ErrorNote>{error}</ErrorNote>
    );
  }
  if (!models) return <p className="case-detail__muted">Loading…</p>;
  if (models.length === 0) {
    return (
      <EmptyState icon={<ModelsIcon size={32} />} title="No models registered yet">
        <p>Models and their versions appear here once they are registered (ONNX weights with a model card).</p>
      </EmptyState>
    );
  }
  return (
    <div className="models" data-testid="models">
      {models.map((m) => (
        <section key={m.id} className="models__model" data-testid="model" data-name={m.name}>
          <h2>
            {m.name} <span className="models__task">{m.task}</span>
          </h2>
          {m.description && <p className="case-detail__muted">{m.description}</p>}
          <DataTable
            columns={['Version', 'Stage', 'Weights (SHA-256)', 'Registered']}
            rows={m.versions}
            row={(v) => (
              <tr key={v.id} data-testid="model-version" data-stage={v.stage}>
                <td>
                  <code>{v.version}</code>
                </td>
                <td>
                  <span className={`models__stage models__stage--${v.stage.toLowerCase()}`}>{v.stage.toLowerCase()}</span>
                </td>
                <td>
                  <code title={v.weightsSha256}>{v.weightsSha256.slice(0, 12)}…</code>
                </td>
                <td>{new Date(v.createdAt).toLocaleString()}</td>
              </tr>
            )}
          />
        </section>
      ))}
    </div>
  );
}
