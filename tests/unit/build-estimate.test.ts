import { describe, expect, it } from 'vitest';
import { buildEstimate, describeBuildStart } from '../../lab/images/build-estimate.ts';
import { imageByKey } from '../../lab/images/catalog.ts';

describe('build estimates', () => {
  it('takes the last build on this machine first, else the reference machine, else says none', () => {
    const openbao = imageByKey('openbao');
    expect(buildEstimate(openbao, { openbao: 200 })).toEqual({ seconds: 200, basis: 'last build here' });
    expect(buildEstimate(openbao, {})).toEqual({ seconds: 264, basis: 'reference machine' });
    expect(buildEstimate(imageByKey('haproxy'), {})).toBeUndefined();
  });

  it('says the estimate in minutes, seconds when short', () => {
    expect(describeBuildStart({ seconds: 264, basis: 'reference machine' })).toBe('building from source, about 4 min (reference machine)');
    expect(describeBuildStart({ seconds: 42, basis: 'last build here' })).toBe('building from source, about 42 s (last build here)');
    expect(describeBuildStart(undefined)).toBe('building from source');
  });
});
