package dev.sessiongate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InvalidClassException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How attributes are written to and read from Redis: Java serialization, Base64, bounded both ways. */
class AttributeCodecTest {
    private final AttributeCodec codec = new AttributeCodec(1024);
    private final ClassLoader loader = AttributeCodecTest.class.getClassLoader();

    record Order(String id, List<String> items) implements Serializable {
    }

    @Test
    void aSerializableValueComesBackEqualThroughTheGivenClassLoader() throws Exception {
        Order order = new Order("o-1", new ArrayList<>(List.of("apple", "pear")));
        String text = codec.encode(codec.serialize(order));
        assertThat(codec.decode(text, loader)).isEqualTo(order);
        assertThat(codec.decode(codec.encode(codec.serialize(Map.of("n", 1))), loader)).isEqualTo(Map.of("n", 1));
    }

    @Test
    void aValueWithAPartThatIsNotSerializableIsRefusedAsSuch() {
        List<Object> list = new ArrayList<>(List.of("fine", new Object()));
        assertThatThrownBy(() -> codec.serialize(list)).isInstanceOfSatisfying(AttributeCodec.NotShareable.class,
                e -> assertThat(e.reason).isEqualTo("not_serializable"));
    }

    @Test
    void aValueOverTheLimitIsRefusedWithItsWholeSizeCounted() {
        assertThatThrownBy(() -> codec.serialize(new byte[5000])).isInstanceOfSatisfying(AttributeCodec.NotShareable.class,
                e -> {
                    assertThat(e.reason).isEqualTo("too_large");
                    assertThat(e.bytes).isGreaterThan(5000);
                });
    }

    @Test
    void readingRefusesDeepNestingAndValuesOverTheLimit() throws Exception {
        AttributeCodec generous = new AttributeCodec(1 << 20);
        List<Object> deep = new ArrayList<>();
        for (int i = 0; i < AttributeCodec.MAX_DEPTH + 10; i++) {
            deep = new ArrayList<>(List.of(deep));
        }
        String deepText = generous.encode(generous.serialize(deep));
        assertThatThrownBy(() -> generous.decode(deepText, loader)).isInstanceOf(InvalidClassException.class)
                .hasMessageContaining("REJECTED");
        String array = generous.encode(generous.serialize(new long[2000])); // 16 KB, within a 1 MiB limit
        assertThat(generous.decode(array, loader)).isInstanceOf(long[].class);
        assertThatThrownBy(() -> new AttributeCodec(10_000).decode(array, loader))
                .isInstanceOf(java.io.InvalidObjectException.class).hasMessageContaining("over the limit of 10000 bytes");
    }
}
