// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads surefire's XML reports ({@code <module>/target/surefire-reports/TEST-*.xml}) into one
 * {@link Case} per test case. A report that is not well-formed XML (a build killed while
 * writing it) is skipped and named in {@link Result#unreadable()}.
 */
final class Surefire {
    private Surefire() { }

    /** One test case: its module, class, name, seconds, status and what it printed. */
    record Case(String module, String className, String name, double seconds, Status status, String out) {
        String simpleClass() {
            int dot = className.lastIndexOf('.');
            return dot < 0 ? className : className.substring(dot + 1);
        }
    }

    enum Status { PASSED, FAILED, ERROR, SKIPPED }

    /**
     * The cases of every report of one module, the reports that could not be read, and how many
     * reports were left out as older than the build (surefire never deletes the reports of tests
     * an earlier build ran).
     */
    record Result(List<Case> cases, List<Path> unreadable, int stale) { }

    /**
     * Every {@code TEST-*.xml} under {@code reportsDir} written at or after {@code since} (all, if
     * empty); an absent directory gives no cases.
     */
    static Result read(String module, Path reportsDir, Optional<Instant> since) throws IOException {
        List<Case> cases = new ArrayList<>();
        List<Path> unreadable = new ArrayList<>();
        int stale = 0;
        if (!Files.isDirectory(reportsDir)) return new Result(cases, unreadable, 0);
        List<Path> files;
        try (Stream<Path> s = Files.list(reportsDir)) {
            files = s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
        }
        for (Path f : files) {
            if (since.isPresent() && Files.getLastModifiedTime(f).toInstant().isBefore(since.get())) {
                stale++;
                continue;
            }
            try {
                cases.addAll(parse(module, f));
            } catch (SAXException | ParserConfigurationException e) {
                unreadable.add(f);
            }
        }
        return new Result(cases, unreadable, stale);
    }

    static List<Case> parse(String module, Path xml) throws IOException, SAXException, ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        DocumentBuilder db = f.newDocumentBuilder();
        db.setErrorHandler(new DefaultHandler());   // report a bad file by the exception, not on stderr
        Document doc = db.parse(xml.toFile());
        NodeList tcs = doc.getElementsByTagName("testcase");
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < tcs.getLength(); i++) {
            Element tc = (Element) tcs.item(i);
            Status st = Status.PASSED;
            if (has(tc, "failure")) st = Status.FAILED;
            else if (has(tc, "error")) st = Status.ERROR;
            else if (has(tc, "skipped")) st = Status.SKIPPED;
            String time = tc.getAttribute("time").replace(",", "");
            double secs = time.isEmpty() ? 0 : Double.parseDouble(time);
            out.add(new Case(module, tc.getAttribute("classname"), tc.getAttribute("name"), secs, st, text(tc, "system-out")));
        }
        return out;
    }

    private static boolean has(Element e, String tag) {
        return e.getElementsByTagName(tag).getLength() > 0;
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < l.getLength(); i++) sb.append(l.item(i).getTextContent());
        return sb.toString();
    }
}
