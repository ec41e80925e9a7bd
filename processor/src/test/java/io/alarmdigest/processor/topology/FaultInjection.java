package io.alarmdigest.processor.topology;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Injects one crash into the digest processor of the unchanged production topology, through Kafka Streams'
 * {@code processor.wrapper.class}: either between two parts of a split digest, or after the parts and before the
 * first delivery mark. Armed by a test, fired once.
 */
public final class FaultInjection implements ProcessorWrapper {
    public enum Point { NONE, BETWEEN_PARTS, BEFORE_MARKS }

    private static final AtomicReference<Point> ARMED = new AtomicReference<>(Point.NONE);
    private static final AtomicInteger FIRED = new AtomicInteger();

    public static void arm(Point point) {
        ARMED.set(point);
    }

    public static int fired() {
        return FIRED.get();
    }

    public static void reset() {
        ARMED.set(Point.NONE);
        FIRED.set(0);
    }

    @Override
    public <KIn, VIn, KOut, VOut> WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
        String processorName, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
        if (!processorName.equals(DigestTopology.REQUEST_PROCESSOR)) {
            return ProcessorWrapper.asWrapped(supplier);
        }
        return ProcessorWrapper.asWrapped(() -> new Crashing<>(supplier.get()));
    }

    @Override
    public <KIn, VIn, VOut> WrappedFixedKeyProcessorSupplier<KIn, VIn, VOut> wrapFixedKeyProcessorSupplier(
        String processorName, FixedKeyProcessorSupplier<KIn, VIn, VOut> supplier) {
        return ProcessorWrapper.asWrappedFixedKey(supplier);
    }

    private static final class Crashing<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
        private final Processor<KIn, VIn, KOut, VOut> delegate;
        private int partsForwarded;

        Crashing(Processor<KIn, VIn, KOut, VOut> delegate) {
            this.delegate = delegate;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void init(ProcessorContext<KOut, VOut> context) {
            delegate.init(proxy(ProcessorContext.class, context, (method, args) -> {
                if (method.getName().equals("forward") && DigestTopology.DIGEST_SINK.equals(lastArg(args))) {
                    if (partsForwarded == 1) {
                        fire(Point.BETWEEN_PARTS);
                    }
                    partsForwarded++;
                }
                if (method.getName().equals("getStateStore") && DigestTopology.ALARM_STORE.equals(args[0])) {
                    KeyValueStore<Object, Object> store = (KeyValueStore<Object, Object>) context.getStateStore(
                        DigestTopology.ALARM_STORE);
                    return proxy(KeyValueStore.class, store, (storeMethod, storeArgs) -> {
                        boolean writes = storeMethod.getName().equals("put") || storeMethod.getName().equals("putAll");
                        if (writes && partsForwarded > 0) {
                            fire(Point.BEFORE_MARKS);
                        }
                        return CALL_THROUGH;
                    });
                }
                return CALL_THROUGH;
            }));
        }

        @Override
        public void process(Record<KIn, VIn> record) {
            partsForwarded = 0;
            delegate.process(record);
        }

        @Override
        public void close() {
            delegate.close();
        }

        private static Object lastArg(Object[] args) {
            return args == null || args.length == 0 ? null : args[args.length - 1];
        }

        private static void fire(Point point) {
            if (ARMED.compareAndSet(point, Point.NONE)) {
                FIRED.incrementAndGet();
                throw new IllegalStateException("fault injected: " + point);
            }
        }
    }

    private static final Object CALL_THROUGH = new Object();

    private interface Interceptor {
        Object intercept(Method method, Object[] args) throws Throwable;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<?> type, Object target, Interceptor interceptor) {
        InvocationHandler handler = (self, method, args) -> {
            Object result = interceptor.intercept(method, args);
            if (result != CALL_THROUGH) {
                return result;
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
