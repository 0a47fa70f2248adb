// Parse throughput of the npm `mrz` package (a JavaScript peer) on a corpus
// file of MRZ texts, one JSON array of strings (made by `mrz_corpus_dump`).
//   node bench_mrz_js.mjs corpus.json [seconds]
import { readFileSync } from 'node:fs';
import { parse } from 'mrz';

const corpus = JSON.parse(readFileSync(process.argv[2], 'utf8')).map((t) => t.split('\n'));
const seconds = Number(process.argv[3] ?? 3);
let valid = 0;
for (const lines of corpus) if (parse(lines).valid) valid++;
if (valid !== corpus.length) {
  console.error(`warning: mrz judged ${corpus.length - valid} of ${corpus.length} corpus MRZs invalid`);
}
let n = 0;
const start = process.hrtime.bigint();
const limit = start + BigInt(Math.round(seconds * 1e9));
let now = start;
while (now < limit) {
  for (let i = 0; i < 1000; i++) parse(corpus[(n + i) % corpus.length]);
  n += 1000;
  now = process.hrtime.bigint();
}
const rate = n / (Number(now - start) / 1e9);
console.log(JSON.stringify({ peer: 'npm mrz', parsed: n, mrz_per_second: Math.round(rate) }));
