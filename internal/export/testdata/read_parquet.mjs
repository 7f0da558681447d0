// Reads a Parquet file with hyparquet (an independent reader, not the writer's library) and
// prints {"columns", "types", "rows"} as JSON: rows as arrays in column order.
// usage: node read_parquet.mjs HYPARQUET_PREFIX FILE
const [prefix, file] = process.argv.slice(2);
const hp = await import(`${prefix}/node_modules/hyparquet/src/node.js`);
const buf = await hp.asyncBufferFromFile(file);
const meta = await hp.parquetMetadataAsync(buf);
const leaves = meta.schema.slice(1);
const columns = leaves.map((s) => s.name);
const types = leaves.map((s) => `${s.type}${s.repetition_type === 'OPTIONAL' ? '?' : ''}`);
const objs = await hp.parquetReadObjects({ file: buf, metadata: meta });
const rows = objs.map((o) => columns.map((c) => (o[c] === undefined ? null : typeof o[c] === 'bigint' ? Number(o[c]) : o[c])));
process.stdout.write(JSON.stringify({ columns, types, rows }));
