package dev.localbedrock.knowledge.chunk;

/**
 * One piece of a document, to be embedded and indexed on its own.
 *
 * @param text the chunk's text, exactly {@code document.substring(startChar, endChar)}
 * @param ordinal its place in the document, from 0
 * @param startChar where it starts in the document (with overlap, inside the previous chunk)
 * @param endChar where it ends, exclusive; chunks end in increasing order
 */
public record Chunk(String text, int ordinal, int startChar, int endChar) {
}
