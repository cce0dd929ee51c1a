// The console's form reading and checking (server/console/forms.ts) and the VIP list's query
// state (vip-pages.ts): pure functions, no server.
import { describe, expect, it } from 'vitest';
import type { VipView } from '../admin/vip-reads.js';
import { addedFields, checkVipForm, editedFields, formList, formText, readVipForm, safeNext, withoutNotes } from '../server/console/forms.js';
import { listHref, listState } from '../server/console/vip-pages.js';
import { searchedPhone } from '../admin/vip-reads.js';

const blank = { email: '', level: '', name: '', company: '', phone: '', notes: '' };
const person: VipView = {
  email: 'ada@acme.com', level: 5, levelSource: 'crm', levelReason: 'HubSpot vip_level = 5', crmLevel: 5, manualLevel: null,
  name: 'Ada Lovelace', company: 'Acme Corp', phone: '+14155550100', notes: 'Line one\nLine two', source: 'crm',
  validated: true, validatedBy: ['hubspot'], stale: false, staleReason: null, createdAt: new Date(0), updatedAt: new Date(0),
};

describe('reading a form body', () => {
  it('takes a field as one string: the first of a repeated one, "" for anything else', () => {
    expect(formText({ a: 'x' }, 'a')).toBe('x');
    expect(formText({ a: ['x', 'y'] }, 'a')).toBe('x');
    expect(formText({ a: 3 }, 'a')).toBe('');
    expect(formText(undefined, 'a')).toBe('');
    expect(formText({}, 'a')).toBe('');
  });
  it('takes a repeated field (checkboxes) as a list without empty values', () => {
    expect(formList({ emails: ['a@x.com', '', 'b@x.com'] }, 'emails')).toEqual(['a@x.com', 'b@x.com']);
    expect(formList({ emails: 'a@x.com' }, 'emails')).toEqual(['a@x.com']);
    expect(formList({}, 'emails')).toEqual([]);
  });
  it('reads a textarea\'s CRLF line breaks as one character each', () => {
    expect(readVipForm({ notes: 'a\r\nb' }).notes).toBe('a\nb');
  });
});

describe('checking a VIP form field by field', () => {
  it('requires email and level, each with its own message', () => {
    expect(checkVipForm(blank, { email: true, level: true, notes: true })).toEqual({
      email: expect.any(String), level: 'choose a level (1-5)',
    });
  });
  it('names the field at fault and no other', () => {
    const errors = checkVipForm({ ...blank, email: 'ok@example.com', level: '9', name: 'x'.repeat(201), notes: 'n'.repeat(2001) }, { email: true, level: true, notes: true });
    expect(Object.keys(errors).sort()).toEqual(['level', 'name', 'notes']);
    expect(errors.level).toBe('level 9 is outside 1-5');
    expect(errors.notes).toBe('notes are 2001 characters; at most 2000 are allowed');
  });
  it('counts notes in characters, not UTF-16 units: 2,000 emoji fit', () => {
    expect(checkVipForm({ ...blank, email: 'ok@example.com', level: '1', notes: '😀'.repeat(2000) }, { email: true, level: true, notes: true })).toEqual({});
  });
  it('does not check notes a session cannot read (they are not sent)', () => {
    expect(checkVipForm({ ...blank, email: 'ok@example.com', level: '1', notes: 'n'.repeat(3000) }, { email: true, level: true, notes: false })).toEqual({});
  });
  it('refuses a phone number that is not one, and a control character in a name', () => {
    const errors = checkVipForm({ ...blank, email: 'ok@example.com', level: '2', phone: '12', name: 'a\u0007b' }, { email: true, level: true, notes: true });
    expect(Object.keys(errors).sort()).toEqual(['name', 'phone']);
    expect(errors.name).toContain('control character');
  });
});

describe('what an add form and an edit form change', () => {
  it('an add leaves out empty fields, and notes without notes:read', () => {
    expect(addedFields({ ...blank, name: 'Grace', notes: 'n' }, true)).toEqual({ name: 'Grace', notes: 'n' });
    expect(addedFields({ ...blank, name: 'Grace', notes: 'n' }, false)).toEqual({ name: 'Grace' });
  });
  it('an edit that keeps the level sends no level, so a CRM level is never pinned as a manual one', () => {
    const values = { email: person.email, level: '5', name: 'Ada King', company: 'Acme Corp', phone: '+14155550100', notes: 'Line one\nLine two' };
    expect(editedFields(values, person, true)).toEqual({ name: 'Ada King' });
  });
  it('an edit sends a changed level, clears an emptied field, and leaves notes alone without notes:read', () => {
    const values = { email: person.email, level: '3', name: 'Ada Lovelace', company: '', phone: '+14155550100', notes: '' };
    expect(editedFields(values, person, true)).toEqual({ level: '3', company: null, notes: null });
    expect(editedFields(values, person, false)).toEqual({ level: '3', company: null });
  });
  it('trims one-line fields before comparing; notes are compared as typed', () => {
    const values = { email: person.email, level: '5', name: ' Ada Lovelace ', company: 'Acme Corp', phone: '+14155550100', notes: 'Line one\nLine two ' };
    expect(editedFields(values, person, true)).toEqual({ notes: 'Line one\nLine two ' });
  });
  it('withoutNotes drops the field itself (not an empty value)', () => {
    expect('notes' in withoutNotes(person)).toBe(false);
  });
});

describe('where sign-in goes next', () => {
  it.each([
    ['/console/vips?level=5', '/console/vips?level=5'],
    ['/console/vips/ada%40acme.com', '/console/vips/ada%40acme.com'],
    [undefined, '/console/vips'],
    ['https://evil.example/', '/console/vips'],
    ['//evil.example/console/', '/console/vips'],
    ['/console//evil.example', '/console/vips'],
    ['/console/\\evil.example', '/console/vips'],
    ['/v1/vips', '/console/vips'],
  ])('%s -> %s', (next, expected) => expect(safeNext(next)).toBe(expected));
});

describe('the VIP list\'s query', () => {
  it('defaults: name A-Z, page 1, every level', () => {
    expect(listState({})).toEqual({ q: '', level: undefined, group: '', sort: 'name', desc: false, page: 1 });
    expect(listHref(listState({}))).toBe('/console/vips');
  });
  it('level and date added read highest/newest first unless asked otherwise', () => {
    expect(listState({ sort: 'level' }).desc).toBe(true);
    expect(listState({ sort: 'added', desc: '0' }).desc).toBe(false);
  });
  it('ignores what it does not understand', () => {
    expect(listState({ level: '9', sort: 'email', page: '-3' })).toEqual({ q: '', level: undefined, group: '', sort: 'name', desc: false, page: 1 });
    expect(listState({ page: 'abc' }).page).toBe(1);
  });
  it('links keep the search, filter and sort and change what they are asked to', () => {
    const state = listState({ q: 'acme & co', level: '4', sort: 'level', page: '3' });
    expect(listHref(state)).toBe('/console/vips?q=acme+%26+co&level=4&sort=level&page=3');
    expect(listHref(state, { page: 1, sort: 'name', desc: false })).toBe('/console/vips?q=acme+%26+co&level=4');
  });
  it('keeps the group filter in its links', () => {
    const state = listState({ group: ' Board & Advisors ', page: '2' });
    expect(state.group).toBe('Board & Advisors');
    expect(listHref(state)).toBe('/console/vips?group=Board+%26+Advisors&page=2');
    expect(listHref(state, { group: '' })).toBe('/console/vips?page=2');
  });
});

describe('a list search that reads as a phone', () => {
  it.each([
    ['+1 (415) 555-2671', '+14155552671'],
    ['415.555.2671', '+14155552671'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('%s finds whoever holds %s', (search, e164) => expect(searchedPhone(search)).toBe(e164));
  it.each(['ada', 'person00001', '00001', '12345', 'ada@acme.com', '+1 555', 'Company 12 345 678'])('%s is not a phone search', (search) => {
    expect(searchedPhone(search)).toBeNull();
  });
});
