package io.infermesh.store;

import java.util.regex.Pattern;

/**
 * A model name with a tag: {@code org/model:tag}. Each part is checked against a strict pattern before it becomes
 * part of an object key, so a ref that parses can never name anything outside its own prefix.
 *
 * @param org namespace, owned by its first publisher: lower-case letters, digits and '-', 1–39 characters
 * @param model model name: lower-case letters, digits, '.', '_', '-', 1–100 characters, starting alphanumeric
 * @param tag version label: letters, digits, '.', '_', '-', 1–128 characters, not starting with '.' or '-'
 */
public record ModelRef(String org, String model, String tag) {
    public static final String DEFAULT_TAG = "latest";

    private static final Pattern ORG = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,38})");
    private static final Pattern MODEL = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    public ModelRef {
        if (org == null || !ORG.matcher(org).matches()) {
            throw invalid("organization '" + org + "' must be 1-39 lower-case letters, digits or '-'");
        }
        if (model == null || !MODEL.matcher(model).matches()) {
            throw invalid("model name '" + model
                    + "' must be 1-100 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw invalid(
                    "tag '" + tag + "' must be 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-'");
        }
    }

    /** Parses {@code org/model} or {@code org/model:tag}; the tag defaults to {@value #DEFAULT_TAG}. */
    public static ModelRef parse(String text) {
        if (text == null) {
            throw invalid("model reference is missing; write org/model:tag");
        }
        int slash = text.indexOf('/');
        if (slash < 0 || text.indexOf('/', slash + 1) >= 0) {
            throw invalid("model reference '" + text + "' must look like org/model or org/model:tag");
        }
        int colon = text.indexOf(':', slash);
        String org = text.substring(0, slash);
        String model = colon < 0 ? text.substring(slash + 1) : text.substring(slash + 1, colon);
        String tag = colon < 0 ? DEFAULT_TAG : text.substring(colon + 1);
        return new ModelRef(org, model, tag);
    }

    /** {@code org/model}, without the tag. */
    public String repository() {
        return org + "/" + model;
    }

    @Override
    public String toString() {
        return org + "/" + model + ":" + tag;
    }

    private static ModelStoreException invalid(String message) {
        return new ModelStoreException(ModelStoreException.ErrorCode.INVALID_REFERENCE, message);
    }
}
