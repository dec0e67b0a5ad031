// How errors quote what they got: a value whole up to 160 characters, cut past that; a CLI flag named as typed.
import { describe, expect, it } from 'vitest';
import { OrbError, ParamError, shown } from '../../../src/lib/errors.ts';

describe('shown', () => {
  it('quotes a value of up to 160 characters whole, and cuts a longer one to 120 with its length', () => {
    expect(shown('a'.repeat(160))).toBe(JSON.stringify('a'.repeat(160)));
    expect(shown('a'.repeat(161))).toBe(`${JSON.stringify('a'.repeat(120))}... (161 characters)`);
    expect(shown('eu-west-1"')).toBe('"eu-west-1\\""');
  });
});

describe('ParamError', () => {
  it('names an orb parameter as "parameter <name>", a CLI flag as it is typed, and the value unless empty', () => {
    const param = new ParamError('region', 'eu-wst-1', 'not an AWS region', 'use e.g. eu-west-1');
    expect([param.message, param.hint, param.param, param.name]).toEqual(['parameter region: not an AWS region (got "eu-wst-1")', 'use e.g. eu-west-1', 'region', 'ParamError']);
    expect(param).toBeInstanceOf(OrbError);
    expect(new ParamError('--region', 'x', 'not an AWS region', 'h').message).toBe('--region: not an AWS region (got "x")');
    expect(new ParamError('region', '', 'no AWS region is set', 'h').message).toBe('parameter region: no AWS region is set');
  });
});
