// Types of tree.js for the orchestrator, which imports it (the approval page).
export type TreeNode = string | number | false | null | undefined | { tag: string; attrs?: Record<string, string | number | boolean | undefined | null>; children?: TreeNode[] };
export declare const TREE_TAGS: ReadonlySet<string>;
export declare function escapeHtml(text: string): string;
export declare function safeHref(href: unknown): string | undefined;
export declare function treeAttributes(attrs?: Record<string, unknown>): Array<[string, string, boolean]>;
export declare function toHtml(nodes: TreeNode | TreeNode[]): string;
export declare function treeTag(tag: string): string;
