// The paper's fairness views of one set: per gender (CCC, the female − male gap, the bias of the
// mean errors) and per speaker with enough rows (CCC with a seeded bootstrap interval, and the
// spread across speakers).
import type { FairnessReport, GroupScores, SpeakerScores } from '../report/schema';
import type { Dimension } from '../types';
import { cccScores, difference, meanErrors, pairs, type ScoredRow } from './paired';
import { bootstrapCcc, type BootstrapSettings, spread } from './stats';

export interface FairnessSettings {
  /** speakers with MORE than this many rows get their own scores (the paper: 200) */
  minSpeakerSamples: number;
  bootstrap: BootstrapSettings;
}

const GENDER_WORDS: Record<string, string> = { f: 'female', female: 'female', w: 'female', woman: 'female', m: 'male', male: 'male', man: 'male' };

/** 'F', 'female', 'Woman' -> 'female'; other values stay as written (lower case). */
export function normaliseGender(value: string): string {
  const v = value.trim().toLowerCase();
  return GENDER_WORDS[v] ?? v;
}

/** Lets the event loop run between bootstraps (at most 1e8 draws each, see options.ts). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function fairness(rows: readonly ScoredRow[], dims: readonly Dimension[], settings: FairnessSettings): Promise<FairnessReport> {
  const byGender: Record<string, GroupScores> = {};
  const genders = [...new Set(rows.map((r) => normaliseGender(r.row.gender)).filter(Boolean))].sort();
  for (const g of genders) {
    const pick = (r: ScoredRow) => normaliseGender(r.row.gender) === g;
    byGender[g] = { n: rows.filter(pick).length, ccc: cccScores(rows, dims, pick), meanError: meanErrors(rows, dims, pick) };
  }
  const f = byGender.female;
  const m = byGender.male;
  const bySpeaker: Record<string, SpeakerScores> = {};
  const groups = new Map<string, ScoredRow[]>();
  for (const r of rows) {
    if (!r.row.speaker) continue;
    const group = groups.get(r.row.speaker);
    if (group) group.push(r);
    else groups.set(r.row.speaker, [r]);
  }
  for (const speaker of [...groups.keys()].sort()) {
    const mine = groups.get(speaker) ?? [];
    if (mine.length <= settings.minSpeakerSamples) continue;
    const bootstrap: SpeakerScores['bootstrap'] = {};
    for (const d of dims) {
      await yieldToEventLoop();
      const p = pairs(mine, d);
      bootstrap[d] = bootstrapCcc(p.pred, p.gold, settings.bootstrap, `${speaker}\u0000${d}`);
    }
    const gender = mine[0].row.gender;
    bySpeaker[speaker] = { n: mine.length, gender: gender ? normaliseGender(gender) : null, ccc: cccScores(mine, dims), bootstrap };
  }
  const speakerSpread: FairnessReport['speakerSpread'] = {};
  for (const d of dims) speakerSpread[d] = spread(Object.values(bySpeaker).map((s) => s.ccc[d] ?? null));
  return {
    byGender,
    genderGap: f && m ? difference(f.ccc, m.ccc, dims) : null,
    bias: f && m ? difference(f.meanError, m.meanError, dims) : null,
    minSpeakerSamples: settings.minSpeakerSamples,
    bootstrap: { ...settings.bootstrap },
    bySpeaker,
    speakerSpread,
  };
}
