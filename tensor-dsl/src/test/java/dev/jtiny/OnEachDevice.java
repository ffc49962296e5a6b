// Runs a test once per device the DSL targets: the embedded JAVA backend and OPENCL:0 (PoCL on CPUs in CI).
package dev.jtiny;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The test method takes the device name as its one parameter and calls {@code Reference.use(device)}. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@ValueSource(strings = {"JAVA", "OPENCL:0"})
@interface OnEachDevice {}
