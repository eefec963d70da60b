/**
 * Split test form. A bucket's id is stable (edges leave by it and sites see it); people edit its name (`label`),
 * so renaming never disconnects anything. New buckets get a fresh id.
 */
import { Field, Text } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';
import { bucketTestControl } from './test-control';

interface Bucket {
  id: string;
  label?: string;
  weight: number;
}

const bucketsOf = (data: Record<string, unknown>) => (Array.isArray(data.buckets) ? data.buckets : []) as Bucket[];

/** The smallest `bN` not used by another bucket. */
export function freshBucketId(buckets: readonly Bucket[]): string {
  const ids = new Set(buckets.map((b) => b.id));
  let i = buckets.length + 1;
  while (ids.has(`b${i}`)) i++;
  return `b${i}`;
}

function BucketForm({ data, onChange, readOnly }: FormProps<'bucket'>) {
  const buckets = bucketsOf(data);
  const total = buckets.reduce((s, b) => s + (Number(b.weight) > 0 ? Number(b.weight) : 0), 0);
  const update = (i: number, patch: Partial<Bucket>) =>
    onChange({ ...data, buckets: buckets.map((b, j) => (i === j ? { ...b, ...patch } : b)) });
  return (
    <>
      <Field label="Test id" hint="visitors keep their bucket per test id; leave empty to use the node id">
        <Text
          testId="form-testid"
          value={data.testId}
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, testId: v || undefined })}
        />
      </Field>
      <fieldset className="buckets" data-testid="form-buckets">
        <legend className="sr-only">Buckets</legend>
        <div className="bucket-row bucket-head muted small">
          <span>Name</span>
          <span>Weight</span>
          <span>Share</span>
        </div>
        {buckets.map((b, i) => (
          <div className="bucket-row" key={b.id}>
            <input
              data-testid={`form-bucket-label-${i}`}
              aria-label={`name of bucket ${i + 1}`}
              value={b.label ?? b.id}
              readOnly={readOnly}
              onChange={(e) => update(i, { label: e.target.value })}
            />
            <input
              data-testid={`form-bucket-weight-${i}`}
              aria-label={`weight of bucket ${b.label ?? b.id}`}
              type="number"
              min={0}
              value={Number.isFinite(b.weight) ? b.weight : ''}
              readOnly={readOnly}
              onChange={(e) => update(i, { weight: Number(e.target.value) })}
            />
            <span className="pct">{total > 0 && b.weight > 0 ? `${((b.weight / total) * 100).toFixed(1)}%` : '—'}</span>
            {readOnly ? null : (
              <button
                className="link"
                aria-label={`remove bucket ${b.label ?? b.id}`}
                onClick={() => onChange({ ...data, buckets: buckets.filter((_, j) => j !== i) })}
              >
                ✕
              </button>
            )}
            <code className="muted small bucket-id" title="the bucket's stable id: edges and sites use it">
              {b.id}
            </code>
          </div>
        ))}
      </fieldset>
      {readOnly ? null : (
        <button
          data-testid="form-bucket-add"
          onClick={() => {
            const id = freshBucketId(buckets);
            onChange({ ...data, buckets: [...buckets, { id, label: `Bucket ${buckets.length + 1}`, weight: 10 }] });
          }}
        >
          Add bucket
        </button>
      )}
    </>
  );
}

export const bucketSpec: EditorNodeSpec<'bucket'> = {
  color: '#db2777',
  icon: '◑',
  summary: (d) => {
    const b = bucketsOf(d);
    const total = b.reduce((s, x) => s + (x.weight > 0 ? x.weight : 0), 0);
    return (
      b.map((x) => `${x.label ?? x.id} ${total ? Math.round((x.weight / total) * 100) : 0}%`).join(' · ') ||
      'add buckets'
    );
  },
  branchLabel: (d, branch) => bucketsOf(d).find((b) => b.id === branch)?.label ?? branch,
  Form: BucketForm,
  controls: { testId: 'form-testid', buckets: 'form-buckets' },
  testControl: bucketTestControl,
};
