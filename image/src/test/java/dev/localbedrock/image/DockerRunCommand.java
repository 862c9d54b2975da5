package dev.localbedrock.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The `docker run` command of docs/deploy.md, parsed: the code block right after the line that names
 * ImageEntrypointIT, so the documented command and the checked one are the same text.
 */
record DockerRunCommand(List<String> ports, List<String> volumes, String image, List<String> args) {

    static final String MARKER = "ImageEntrypointIT";

    static DockerRunCommand fromDoc(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        int marker = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("<!--") && lines.get(i).contains(MARKER)) {
                marker = i;
                break;
            }
        }
        if (marker < 0 || marker + 1 >= lines.size() || !lines.get(marker + 1).startsWith("```")) {
            throw new IllegalStateException(doc + ": no code block right after a <!-- ... " + MARKER + " ... --> line");
        }
        StringBuilder command = new StringBuilder();
        for (int i = marker + 2; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
            String line = lines.get(i);
            command.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line).append(' ');
        }
        return parse(words(command.toString()));
    }

    static DockerRunCommand parse(List<String> words) {
        if (words.size() < 3 || !words.get(0).equals("docker") || !words.get(1).equals("run")) {
            throw new IllegalArgumentException("not a `docker run` command: " + words);
        }
        List<String> ports = new ArrayList<>();
        List<String> volumes = new ArrayList<>();
        int i = 2;
        for (; i < words.size() && words.get(i).startsWith("-"); i++) {
            switch (words.get(i)) {
                case "--rm", "-it", "-d" -> { }
                case "-p" -> ports.add(words.get(++i));
                case "-v" -> volumes.add(words.get(++i));
                default -> throw new IllegalArgumentException("docker run option not understood here: " + words.get(i));
            }
        }
        if (i >= words.size()) {
            throw new IllegalArgumentException("no image in " + words);
        }
        return new DockerRunCommand(ports, volumes, words.get(i), List.copyOf(words.subList(i + 1, words.size())));
    }

    /** Shell words: blanks separate, double or single quotes group (no escapes inside; the doc needs none). */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed quote in: " + text);
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}
