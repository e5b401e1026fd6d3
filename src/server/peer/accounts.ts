/**
 * /etc/passwd and /etc/group, parsed: the account names, ids and group members the peer policy
 * needs. Pure: the text in, the entries out; malformed lines (and NIS `+`/`-` lines) are passed
 * over, as the C library does.
 */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

function id(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,10}$/.test(text) && Number(text) < 2 ** 32 - 1
    ? Number(text)
    : undefined;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('+') && !l.startsWith('-'))
    .map((l) => l.split(':'));
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).flatMap((f) => {
    const uid = id(f[2]);
    const gid = id(f[3]);
    return f.length >= 4 && f[0] !== '' && uid !== undefined && gid !== undefined
      ? [{ name: f[0]!, uid, gid }]
      : [];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).flatMap((f) => {
    const gid = id(f[2]);
    if (f.length < 3 || f[0] === '' || gid === undefined) return [];
    const members = (f[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    return [{ name: f[0]!, gid, members }];
  });
}

/** The primary group and every group listing the user as a member; undefined for an unknown uid. */
export function groupsOfUid(
  uid: number,
  passwd: readonly PasswdEntry[],
  groups: readonly GroupEntry[],
): number[] | undefined {
  const user = passwd.find((p) => p.uid === uid);
  if (user === undefined) return undefined;
  const ids = new Set([user.gid]);
  for (const g of groups) if (g.members.includes(user.name)) ids.add(g.gid);
  return [...ids];
}

/** An allowUsers / allowGroups entry: a decimal id stands for itself, anything else is a name. */
export function numericId(entry: string): number | undefined {
  return id(entry.trim());
}
