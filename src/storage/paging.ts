/**
 * Cursor paging by id (ids sort by creation time): fetch `limit + 1` rows after the cursor; the extra row,
 * if any, only says there is a next page, whose cursor is the last id shown.
 */
export interface Page<T> {
  items: T[];
  next: string | undefined;
}

export function pageOf<Row extends { id: string }, Item>(
  rows: Row[],
  limit: number,
  view: (row: Row) => Item,
): Page<Item> {
  const shown = rows.slice(0, limit);
  return { items: shown.map(view), next: rows.length > limit ? shown.at(-1)?.id : undefined };
}
