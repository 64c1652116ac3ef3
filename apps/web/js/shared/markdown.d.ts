// Types of markdown.js for the orchestrator, which imports it (the approval page).
import type { TreeNode } from './tree.js';
export declare function inlineTree(text: string): TreeNode[];
export declare function markdownTree(markdown: string, options?: { topHeading?: number }): TreeNode[];
