import { Field, Text } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';

interface Bucket {
  id: string;
  weight: number;
}

function BucketForm({ data, onChange, readOnly }: FormProps) {
  const buckets = (Array.isArray(data.buckets) ? data.buckets : []) as Bucket[];
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
      <div className="buckets" data-testid="form-buckets">
        {buckets.map((b, i) => (
          <div className="bucket-row" key={i}>
            <input
              data-testid={`form-bucket-id-${i}`}
              value={b.id}
              readOnly={readOnly}
              onChange={(e) => update(i, { id: e.target.value })}
            />
            <input
              data-testid={`form-bucket-weight-${i}`}
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
                aria-label={`remove bucket ${b.id}`}
                onClick={() => onChange({ ...data, buckets: buckets.filter((_, j) => j !== i) })}
              >
                ✕
              </button>
            )}
          </div>
        ))}
      </div>
      {readOnly ? null : (
        <button
          data-testid="form-bucket-add"
          onClick={() => onChange({ ...data, buckets: [...buckets, { id: `b${buckets.length + 1}`, weight: 10 }] })}
        >
          Add bucket
        </button>
      )}
    </>
  );
}

export const bucketSpec: EditorNodeSpec = {
  color: '#db2777',
  icon: '◑',
  summary: (d) => {
    const b = (Array.isArray(d.buckets) ? d.buckets : []) as Bucket[];
    const total = b.reduce((s, x) => s + (x.weight > 0 ? x.weight : 0), 0);
    return b.map((x) => `${x.id} ${total ? Math.round((x.weight / total) * 100) : 0}%`).join(' · ') || 'add buckets';
  },
  Form: BucketForm,
};
