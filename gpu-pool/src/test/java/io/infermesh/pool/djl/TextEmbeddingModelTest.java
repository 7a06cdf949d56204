package io.infermesh.pool.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.infermesh.pool.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextEmbeddingModelTest {
    @Test
    void aRequestsSizeIsTheUtf8LengthOfItsLongestString() {
        assertEquals(11, TextEmbeddingModel.longestElementBytes(Tensor.ofStrings("text", List.of("hello world"))));
        // "crème" has 5 characters but 6 bytes in UTF-8 ("è" takes two); "müde" has 5 bytes.
        assertEquals(
                6, TextEmbeddingModel.longestElementBytes(Tensor.ofStrings("text", List.of("a", "crème", "müde", ""))));
    }

    @Test
    void aRequestWithoutStringsHasSizeZero() {
        assertEquals(0, TextEmbeddingModel.longestElementBytes(Tensor.ofStrings("text", List.of())));
        assertEquals(0, TextEmbeddingModel.longestElementBytes(Tensor.ofStrings("text", List.of("", ""))));
    }
}
